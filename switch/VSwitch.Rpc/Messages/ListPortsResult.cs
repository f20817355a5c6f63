namespace VSwitch.Rpc.Messages;

/// <summary>The result of list-ports.</summary>
/// <param name="Ports">Port names, sorted.</param>
public sealed record ListPortsResult(string[] Ports);
