using VSwitch.OpenFlow.Connection;

namespace VSwitch.Control.Runtime;

/// <summary>One controller target as the running switch sees it.</summary>
/// <param name="Connection">Its connection's state, role and counters (the last attempt's when not connected).</param>
/// <param name="Attempts">Connection attempts since the target was set.</param>
public sealed record ControllerLinkStatus(OfpConnectionInfo Connection, int Attempts);
