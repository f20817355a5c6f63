using VSwitch.Core.Ports;

namespace VSwitch.Daemon.Pmd;

/// <summary>
/// Time and packets one datapath thread spent on one receive queue. Written by that thread with plain stores,
/// read by the control plane for pmd-rxq-show (values up to one iteration old). <see cref="BusyTicks"/> is the queue's
/// share of the thread's busy iterations: each busy iteration's time divided among the queues that received in it, in
/// proportion to their packets; the shares of all queues add up to the thread's busy time.
/// </summary>
internal sealed class RxqUsage(IPort port, int queue)
{
    public IPort Port { get; } = port;

    public int Queue { get; } = queue;

    public long Packets;

    public long BusyTicks;
}
