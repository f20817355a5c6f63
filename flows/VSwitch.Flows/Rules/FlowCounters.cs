namespace VSwitch.Flows.Rules;

/// <summary>
/// A flow's statistics, shared by every version of one flow: <c>mod-flows</c> makes a new
/// <see cref="FlowRule"/> object with new actions but the same counters, so hits recorded on the old
/// object during the switch-over are not lost. Written by datapath threads (Interlocked), read by the control thread.
/// </summary>
internal sealed class FlowCounters
{
    public long Packets;
    public long Bytes;
    public long LastUsedMs;
}
