using System.Runtime.CompilerServices;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;
using VSwitch.VhostUser.Memory;
using VSwitch.VhostUser.Session;

namespace VSwitch.VhostUser;

/// <summary>
/// Guest to switch: the datapath side of the guest's transmit rings (vring 2q+1). Called only by the one datapath
/// thread that polls queue q. Per batch: one compare-exchange to take the ring (<see cref="Vring.TryEnterDatapath"/>),
/// one snapshot read, one read of the port's fault word (a front-end mapping lost pages: leave the ring alone), the
/// Virtio receiver, and at most one eventfd write, which never blocks (the eventfd is non-blocking; a failure is
/// counted). No allocation, no locks, no exceptions for guest input.
/// </summary>
public sealed partial class VhostUserPort
{
    /// <summary>
    /// Appends up to <c>batch.Free</c> packets from queue pair <paramref name="queue"/>'s transmit ring, behind a RARP
    /// announcement the front-end asked for (SEND_RARP) on queue 0 (<see cref="AnnounceRarp"/>). Ownership: the
    /// caller owns the appended packets; external ones (zero-copy, pointing into guest memory) stay valid until
    /// <see cref="CompleteReceive"/> for this queue, which the caller must run after every call that returned non-zero.
    /// Until then the ring stays claimed by the caller (the session waits for it before stopping the ring or changing
    /// memory). Returns 0 when the ring is not running, is being reconfigured, or has nothing.
    /// </summary>
    public int Receive(int queue, PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if ((uint)queue >= (uint)Stats.Rx.Length)
        {
            return 0;
        }
        Vring ring = _rings[(2 * queue) + 1];
        if (!ring.DatapathHolds)
        {
            if (!ring.TryEnterDatapath())
            {
                // The session is reconfiguring the ring: nothing is lost, the packets wait in the guest's ring.
                return 0;
            }
            RingSnapshot? snapshot = Volatile.Read(ref ring.Snapshot);
            if (snapshot is null)
            {
                ring.ExitDatapath();
                return 0;
            }
            ring.HeldSnapshot = snapshot;
            ring.DatapathHolds = true;
        }
        RingSnapshot held = ring.HeldSnapshot!;
        int received = 0;
        // After a contained fault the memory reads as zeros: take nothing more; the session ends the connection.
        if (!GuestFaultFlag.IsSet(held.FaultWord))
        {
            if (queue == 0 && _rarp.IsPending)
            {
                received = AnnounceRarp(held.Pool!, batch);
            }
            received += ring.IsPacked
                ? ring.PackedRx!.Receive(held.Memory, batch, held.Pool!, held.HeaderSize, held.ZeroCopy, Stats.Rx[queue], Id, held.FromDriver, held.LargePool)
                : ring.Rx!.Receive(held.Memory, batch, held.Pool!, held.HeaderSize, held.ZeroCopy, Stats.Rx[queue], Id, held.FromDriver, held.LargePool);
        }
        if (received == 0)
        {
            // Nothing handed out (empty ring, or only dropped chains): return what was taken and let go at once.
            CompleteHeld(ring, Stats.Rx[queue]);
        }
        return received;
    }

    /// <summary>
    /// Returns the chains behind the last receives on <paramref name="queue"/> to the guest (one used-index update),
    /// signals the guest if it wants an interrupt, and releases the ring. Call once every packet of those receives has
    /// been sent or freed. A call with nothing outstanding does nothing.
    /// </summary>
    public void CompleteReceive(int queue)
    {
        if ((uint)queue >= (uint)Stats.Rx.Length)
        {
            return;
        }
        Vring ring = _rings[(2 * queue) + 1];
        if (ring.DatapathHolds)
        {
            CompleteHeld(ring, Stats.Rx[queue]);
        }
    }

    /// <summary>
    /// The kick eventfd of queue pair <paramref name="queuePair"/>'s transmit ring, for a datapath thread that sleeps in
    /// epoll when idle. False when the ring is not started or the front-end polls (no kick fd). The fd belongs to the
    /// port: it is valid until the ring stops or the front-end replaces it (watch <see cref="StateChanged"/> and ask
    /// again). The caller only waits on it; <see cref="SetRxNotifications"/> resets its counter when disabling.
    /// </summary>
    public bool TryGetRxKickFd(int queuePair, out int fd)
    {
        fd = (uint)queuePair < (uint)Stats.Rx.Length ? Volatile.Read(ref _rings[(2 * queuePair) + 1].PublishedKickFd) : -1;
        return fd >= 0;
    }

    /// <summary>
    /// Turns guest kicks for queue pair <paramref name="queuePair"/>'s transmit ring on (before the polling thread sleeps)
    /// or off (while it polls), as VIRTIO 1.2 §2.7.10 describes. When enabling, returns true if buffers are already
    /// available, in which case the caller must poll again instead of sleeping. When disabling, also drains the kick
    /// eventfd (a poll that does not wait, and one 8-byte read if a kick is pending), so that a kick already acted on
    /// does not wake the next sleep at once; the ring itself is polled next anyway. Called by the thread that polls the
    /// queue, between batches (not while holding received packets); see <see cref="IRxWakeup"/> for the contract.
    /// </summary>
    public bool SetRxNotifications(int queuePair, bool enabled)
    {
        if ((uint)queuePair >= (uint)Stats.Rx.Length)
        {
            return false;
        }
        Vring ring = _rings[(2 * queuePair) + 1];
        if (ring.DatapathHolds || !ring.TryEnterDatapath())
        {
            return false;
        }
        bool pending = false;
        RingSnapshot? snapshot = Volatile.Read(ref ring.Snapshot);
        bool usable = snapshot is not null && !GuestFaultFlag.IsSet(snapshot.FaultWord);
        if (enabled)
        {
            pending = usable && (ring.IsPacked
                ? ring.Packed.EnableNotifications(snapshot!.Memory, snapshot.Log)
                : ring.Queue.EnableNotifications(snapshot!.Memory, snapshot.Log));
            // A RARP announcement waits for this thread's next receive on queue 0: poll instead of sleeping.
            pending |= usable && queuePair == 0 && _rarp.IsPending;
        }
        else
        {
            if (usable && ring.IsPacked)
            {
                ring.Packed.DisableNotifications(snapshot!.Memory, snapshot.Log);
            }
            else if (usable)
            {
                ring.Queue.DisableNotifications(snapshot!.Memory, snapshot.Log);
            }
            // Also when the ring is disabled (no snapshot): its kick fd is still a wake fd, and a kick left in it would
            // wake every later sleep at once. The session closes a published kick fd only while it holds the ring, as
            // this thread does now, so the fd read here is open.
            _ = EventFd.TryDrain(Volatile.Read(ref ring.PublishedKickFd));
        }
        ring.ExitDatapath();
        return pending;
    }

    /// <summary>
    /// Rare path of queue 0's receive: builds the RARP announcement the session posted (SEND_RARP) in a buffer of the
    /// ring's pool and appends it as a frame the guest sent, so that MAC learning moves the guest's MAC to this port and
    /// every flooding domain hears it. Returns 1, or 0 when the batch is full or the pool empty (it stays pending for the
    /// next batch). The frame does not count as received from the guest (<see cref="VhostUserPortStatus.RarpSent"/> does).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int AnnounceRarp(PacketPool pool, PacketBatch batch)
    {
        if (batch.IsFull || !pool.TryRent(out PacketBuffer? packet))
        {
            return 0;
        }
        if (!_rarp.TryTake(out MacAddress mac) || !packet.TrySetLength(RarpFrame.Length))
        {
            packet.Free();
            return 0;
        }
        RarpFrame.Write(packet.Span, mac);
        packet.InPort = Id;
        batch.TryAdd(packet);
        _rarp.CountSent(mac);
        return 1;
    }

    /// <inheritdoc/>
    bool IRxWakeup.TryGetRxWakeFd(int queue, out int fd) => TryGetRxKickFd(queue, out fd);

    /// <inheritdoc/>
    bool IRxWakeup.SetRxWakeup(int queue, bool armed) => SetRxNotifications(queue, armed);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CompleteHeld(Vring ring, QueueStats stats)
    {
        RingSnapshot held = ring.HeldSnapshot!;
        if (ring.IsPacked ? ring.PackedRx!.Complete(held.Memory, held.Log) : ring.Rx!.Complete(held.Memory, held.Log))
        {
            Signal(ring, held.CallFd, stats);
        }
        ring.HeldSnapshot = null;
        ring.DatapathHolds = false;
        ring.ExitDatapath();
    }

    /// <summary>
    /// Interrupts the guest: one 8-byte write to its call eventfd (none when it polls). The eventfd is non-blocking, so a
    /// full counter (the guest has a notification pending anyway) fails at once; a failed write counts as an error of
    /// the queue and a call failure of the ring. <see cref="Vring.SignalSeq"/> brackets the write so the session can
    /// tell if a front-end that cleared O_NONBLOCK ever keeps this thread in it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Signal(Vring ring, int callFd, QueueStats stats)
    {
        if (callFd < 0)
        {
            return;
        }
        Volatile.Write(ref ring.SignalSeq, ring.SignalSeq + 1);
        bool signalled = EventFd.Signal(callFd);
        Volatile.Write(ref ring.SignalSeq, ring.SignalSeq + 1);
        if (!signalled)
        {
            ring.CallFailures++;
            stats.Errors++;
        }
    }
}
