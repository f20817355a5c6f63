namespace VSwitch.Rpc.Messages;

/// <summary>Result of capture-list.</summary>
/// <param name="Captures">Running captures, then recently finished ones.</param>
public sealed record CaptureListResult(CaptureInfo[] Captures);
