namespace VSwitch.Rpc.Messages;

/// <summary>One type-specific line of port-status (e.g. a tap's interface name), shown as "key: value".</summary>
/// <param name="Key">What the value is.</param>
/// <param name="Value">The value as text.</param>
public sealed record PortDetail(string Key, string Value);
