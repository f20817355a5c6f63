using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// The port a port type gives while its real implementation is not yet built into vswitchd: configured, shown,
/// persisted and counted like any port, but always <see cref="PortState.Down"/> with no queues; whatever the
/// datapath sends to it is freed and counted as <see cref="DropReason.PortDown"/>. port-status says why.
/// Thread rules: as <see cref="IPort"/>; it keeps no state but its counters.
/// </summary>
internal sealed class UnwiredPort : IPort
{
    public UnwiredPort(PortId id, string name, string reason)
    {
        Id = id;
        Name = name;
        Reason = reason;
    }

    public PortId Id { get; }

    public string Name { get; }

    /// <summary>Why the port cannot carry traffic.</summary>
    public string Reason { get; }

    public int RxQueueCount => 0;

    public int TxQueueCount => 0;

    public PortState State => PortState.Down;

    public PortStats Stats { get; } = new(1);

    public int Receive(int queue, PacketBatch batch) => 0;

    public void CompleteReceive(int queue)
    {
    }

    /// <summary>Takes ownership of every packet: all are freed and counted as PortDown drops on queue 0.</summary>
    public void Send(int queue, PacketBatch batch)
    {
        Stats.Tx[0].Drops.Add(DropReason.PortDown, batch.Count);
        batch.FreeAll();
    }
}
