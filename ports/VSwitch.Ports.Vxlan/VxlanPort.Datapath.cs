using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Ports.Vxlan;

/// <summary>The datapath half of <see cref="VxlanPort"/>: receive (for the endpoint's poller), send and wake-up. No allocation, lock or exception per packet.</summary>
public sealed partial class VxlanPort
{
    /// <summary>
    /// On the endpoint's poller: appends up to <c>batch.Free</c> packets read from the shared socket, each with the
    /// in-port of the tunnel port it belongs to (this one or another on the same endpoint), and returns how many. Their
    /// frames are lent from the endpoint's receive slots and stay valid until the next Receive, so the caller must have
    /// sent or freed them (and called <see cref="CompleteReceive"/>) by then. Returns 0 on any other port. Only the
    /// thread that polls the queue.
    /// </summary>
    public int Receive(int queue, PacketBatch batch)
    {
        VxlanEndpoint endpoint = _endpoint;
        return queue == 0 && !_disposed && ReferenceEquals(endpoint.Poller, this) ? endpoint.Receive(this, batch) : 0;
    }

    /// <summary>Nothing to release: a receive slot is reused only by the next read, which comes after the batch completed.</summary>
    public void CompleteReceive(int queue)
    {
    }

    /// <summary>
    /// Encapsulates and sends every packet of <paramref name="batch"/> on transmit queue <c>queue % TxQueueCount</c>
    /// (its own scratch and counters; every queue sends on the port's sockets). Runts count as <see cref="DropReason.RxRunt"/>,
    /// frames longer than the overlay MTU allows (or, with don't-fragment, than the path MTU) as
    /// <see cref="DropReason.TunnelTooBig"/>, a full socket buffer as <see cref="DropReason.TxQueueFull"/>, no route to
    /// the remote as <see cref="DropReason.PortDown"/>. On a flow-based port the VNI is the low 24 bits of each packet's
    /// tun_id and the remote its tun_dst; one without a tun_dst counts as <see cref="DropReason.TunnelNoRemote"/>. Takes
    /// ownership of all packets; the batch is empty on return. Any datapath thread; two threads on one queue are
    /// serialised per batch (the datapath gives each thread a queue of its own, so none waits).
    /// </summary>
    public void Send(int queue, PacketBatch batch)
    {
        if (batch.Count == 0)
        {
            return;
        }
        ReadOnlySpan<VxlanTxQueue> queues = _sender.Queues;
        int index = (int)((uint)queue % (uint)queues.Length);
        VxlanTxQueue tx = queues[index];
        QueueStats stats = Stats.Tx[index];
        tx.Lock.Enter();
        if (_disposed)
        {
            stats.Drops.Add(DropReason.PortDown, batch.Count);
        }
        else
        {
            tx.Send(batch, Volatile.Read(ref _maxFrame), stats);
        }
        tx.Lock.Exit();
        batch.FreeAll();
    }

    /// <summary>The wake-up fd of the shared socket (an epoll fd watching it): only the poller has a receive queue.</summary>
    public bool TryGetRxWakeFd(int queue, out int fd)
    {
        fd = queue == 0 ? _endpoint.EpollFd : -1;
        return fd >= 0;
    }

    /// <summary>The socket always signals; arming only checks whether packets are pending or a datagram waits.</summary>
    public bool SetRxWakeup(int queue, bool armed) => armed && queue == 0 && _endpoint.HasWork;
}
