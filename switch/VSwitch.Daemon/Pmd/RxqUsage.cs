using VSwitch.Core.Ports;

namespace VSwitch.Daemon.Pmd;

/// <summary>
/// Time and packets one datapath thread spent on one receive queue. Written by that thread with plain stores,
/// read by the control plane for pmd-rxq-show (values up to one poll old).
/// </summary>
internal sealed class RxqUsage(IPort port, int queue)
{
    public IPort Port { get; } = port;

    public int Queue { get; } = queue;

    public long Packets;

    public long BusyTicks;
}
