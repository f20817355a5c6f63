namespace VSwitch.Rpc.Messages;

/// <summary>One flow with its counters.</summary>
/// <param name="Text">The whole line as ovs-ofctl dump-flows prints it.</param>
/// <param name="Priority">Priority.</param>
/// <param name="Match">Match fields in flow syntax (empty for the catch-all).</param>
/// <param name="Actions">Actions in flow syntax.</param>
/// <param name="Cookie">Cookie as hex ("0x0").</param>
/// <param name="Packets">Packets that hit the flow.</param>
/// <param name="Bytes">Bytes that hit the flow.</param>
/// <param name="DurationSeconds">Seconds since the flow was added.</param>
/// <param name="IdleAgeSeconds">Seconds since the last hit.</param>
/// <param name="IdleTimeout">Idle timeout in seconds (0 = none).</param>
/// <param name="HardTimeout">Hard timeout in seconds (0 = none).</param>
/// <param name="Table">The flow's table.</param>
public sealed record FlowInfo(string Text, int Priority, string Match, string Actions, string Cookie, long Packets, long Bytes,
    double DurationSeconds, long IdleAgeSeconds, int IdleTimeout, int HardTimeout, int Table = 0);
