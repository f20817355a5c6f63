using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.VhostUser.Memory;
using VSwitch.VhostUser.Session;

namespace VSwitch.VhostUser;

/// <summary>
/// Switch to guest: the datapath side of the guest's receive rings (vring 2q). Any datapath thread may send on any
/// queue: the ring's busy flag, taken once per batch, serialises senders (a sender that finds another sender spins
/// briefly; one that finds the session reconfiguring drops the batch as <see cref="DropReason.PortDown"/>).
/// </summary>
public sealed partial class VhostUserPort
{
    /// <summary>
    /// Writes the packets of <paramref name="batch"/> into the guest's receive buffers of queue pair
    /// <c>queue % TxQueueCount</c>. Takes ownership of every packet regardless of outcome: each is written or counted as
    /// a drop (no guest buffer, too large, ring broken, port down, an offload the guest did not take), then freed; the
    /// batch is empty on return. A packet's offload metadata goes into the virtio-net header. Never
    /// blocks on the guest. Signals the guest at most once.
    /// </summary>
    public void Send(int queue, PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }
        int active = _session.ActiveTxQueues;
        if (active == 0)
        {
            DropAll(batch, Stats.Tx[0]);
            return;
        }
        int pair = (int)((uint)queue % (uint)active);
        Vring ring = _rings[2 * pair];
        QueueStats stats = Stats.Tx[pair];
        if (!ring.TryEnterDatapathAsSender())
        {
            DropAll(batch, stats);
            return;
        }
        RingSnapshot? snapshot = Volatile.Read(ref ring.Snapshot);
        if (snapshot is null || GuestFaultFlag.IsSet(snapshot.FaultWord))
        {
            // Stopped, or a front-end mapping lost pages (the session is ending the connection): the port is down.
            ring.ExitDatapath();
            DropAll(batch, stats);
            return;
        }
        bool signal = ring.IsPacked
            ? ring.PackedTx!.Send(snapshot.Memory, batch, snapshot.Mergeable, snapshot.HeaderSize, snapshot.Log, stats, snapshot.ToDriver)
            : ring.Tx!.Send(snapshot.Memory, batch, snapshot.Mergeable, snapshot.HeaderSize, snapshot.Log, stats, snapshot.ToDriver);
        if (signal)
        {
            Signal(ring, snapshot.CallFd, stats);
        }
        ring.ExitDatapath();
    }

    private static void DropAll(PacketBatch batch, QueueStats stats)
    {
        stats.Drops.Add(DropReason.PortDown, batch.Count);
        batch.FreeAll();
    }
}
