namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of set-fail-mode.</summary>
/// <param name="Mode">"standalone" (NORMAL forwarding while no controller is connected) or "secure" (only the flows).</param>
public sealed record SetFailModeParams(string Mode);
