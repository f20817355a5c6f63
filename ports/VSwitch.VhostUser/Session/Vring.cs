using System.Runtime.CompilerServices;
using VSwitch.Core.Packets;
using VSwitch.Native;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// One vring of a port (rust-vmm <c>VringState</c>): the split queue and its virtio-net worker, the session's staged
/// configuration (size, addresses, base, kick/call/err fds, enabled), and the handshake that keeps the session and the
/// datapath apart.
/// Handshake (docs/ARCHITECTURE.md, "The vhost-user session and the datapath"): one flag is <see cref="Free"/>,
/// <see cref="DatapathOwner"/> or <see cref="SessionOwner"/>, and two pairs of methods change it. A datapath thread
/// takes it with <see cref="TryEnterDatapath"/> once per batch (a receive keeps it until CompleteReceive, because lent
/// packets point into guest memory), reads <see cref="Snapshot"/> once, works, and gives it back with
/// <see cref="ExitDatapath"/>. The session publishes its change first (usually a null snapshot),
/// then waits in <see cref="TryQuiesce"/> until it owns the flag, then changes positions, closes fds or unmaps, and
/// publishes the new snapshot and gives the flag back in <see cref="Release"/>. So the session never touches a ring in
/// use, and old mappings go only after every ring was taken once. The same flag serialises senders sharing a ring.
/// Memory ordering: the flag is taken only by an interlocked compare-exchange (a full fence) and given back only by a
/// volatile write (a release). So everything one owner wrote before giving the ring back (positions, fds, the snapshot
/// it published) is visible to the next owner once its compare-exchange succeeds, and the datapath, which reads
/// <see cref="Snapshot"/> after taking the flag, sees at least the snapshot of the last <see cref="Release"/>. It may
/// still see the snapshot before the null that a quiescing session has just published; that is safe, because the
/// session changes, closes or unmaps nothing until it owns the flag, which it gets only after
/// <see cref="ExitDatapath"/>. If quiescing times out the null stays published, so the datapath leaves the ring alone
/// from its next batch on.
/// Configuration fields are written by the session thread only; status readers tolerate racy values.
/// </summary>
internal sealed class Vring
{
    /// <summary>Nobody works on the ring.</summary>
    public const int Free = 0;

    /// <summary>A datapath thread works on the ring.</summary>
    public const int DatapathOwner = 1;

    /// <summary>The session is changing the ring.</summary>
    public const int SessionOwner = 2;

    /// <summary>The handshake flag (see the type's notes): changed only by the Enter/Exit and Quiesce/Release pairs.</summary>
    private int _busy;

    /// <summary>What the datapath may use; null = leave the ring alone. Volatile access only.</summary>
    public RingSnapshot? Snapshot;

    /// <summary>
    /// The kick fd published for datapath sleepers (-1 when none or stopped). Volatile access only. The datapath drains
    /// it while holding the ring, so the session closes a published fd only while it holds the ring itself (or defers
    /// the close to the next <see cref="TryQuiesce"/>).
    /// </summary>
    public int PublishedKickFd = -1;

    /// <summary>
    /// Guest notifications that failed (call eventfd counter full, or the fd broken), since the port was created.
    /// Written by the datapath thread that holds the ring; read racily for status.
    /// </summary>
    public long CallFailures;

    /// <summary>
    /// Incremented by the datapath right before and right after each call-eventfd write: odd while a thread is inside
    /// one (<see cref="InCallWrite"/>), so the session can tell a thread that may be blocked there. Volatile access only.
    /// </summary>
    public int SignalSeq;

    private readonly List<int> _deferredFds = new();

    public Vring(int index)
    {
        Index = index;
        Queue = new SplitQueue();
        Packed = new PackedQueue();
        if (IsGuestTransmit)
        {
            Rx = new VirtioNetRx(Queue);
            PackedRx = new PackedNetRx(Packed);
        }
        else
        {
            Tx = new VirtioNetTx(Queue);
            PackedTx = new PackedNetTx(Packed);
        }
    }

    /// <summary>The vring index (2q: guest receive queue of pair q; 2q+1: guest transmit queue).</summary>
    public int Index { get; }

    /// <summary>True for odd rings: the guest transmits here and the switch receives.</summary>
    public bool IsGuestTransmit => (Index & 1) == 1;

    /// <summary>The split virtqueue; positions belong to whoever holds the ring (the handshake flag).</summary>
    public SplitQueue Queue { get; }

    /// <summary>The packed virtqueue, used instead of <see cref="Queue"/> while <see cref="IsPacked"/>.</summary>
    public PackedQueue Packed { get; }

    /// <summary>
    /// True while the ring runs as a packed ring (VIRTIO_F_RING_PACKED acked when it started). Written by the session
    /// only while it holds the ring; a datapath thread reads it after taking the ring, once per batch.
    /// </summary>
    public bool IsPacked { get; set; }

    /// <summary>The packed receiver of a guest transmit ring (null on guest receive rings).</summary>
    public PackedNetRx? PackedRx { get; }

    /// <summary>The packed transmitter of a guest receive ring (null on guest transmit rings).</summary>
    public PackedNetTx? PackedTx { get; }

    /// <summary>True when the guest broke the ring in use (split or packed).</summary>
    public bool IsBroken => IsPacked ? Packed.IsBroken : Queue.IsBroken;

    /// <summary>Why the guest broke the ring in use.</summary>
    public ChainStatus BrokenReason => IsPacked ? Packed.BrokenReason : Queue.BrokenReason;

    /// <summary>The receiver of a guest transmit ring (null on guest receive rings).</summary>
    public VirtioNetRx? Rx { get; }

    /// <summary>The transmitter of a guest receive ring (null on guest transmit rings).</summary>
    public VirtioNetTx? Tx { get; }

    /// <summary>Buffers for packets received from this ring; created at first start, kept for the port's life.</summary>
    public PacketPool? Pool { get; set; }

    /// <summary>Buffers for received super-frames larger than one of <see cref="Pool"/> (offloads on); like <see cref="Pool"/>.</summary>
    public PacketPool? LargePool { get; set; }

    /// <summary>Datapath thread only: it holds the ring between a receive that took chains and its completion.</summary>
    public bool DatapathHolds;

    /// <summary>Datapath thread only: the snapshot the held receive used (completion must use the same memory).</summary>
    public RingSnapshot? HeldSnapshot;

    /// <summary>SET_VRING_NUM (0 = not set).</summary>
    public ushort Num { get; set; }

    /// <summary>SET_VRING_ADDR (null = not set).</summary>
    public VringAddr? Addr { get; set; }

    /// <summary>
    /// SET_VRING_BASE, or the position the ring stopped at: a 16-bit index on a split ring; on a packed ring the
    /// encoding of <see cref="PackedQueueState.ToVhostBase"/> (slots and wrap counters).
    /// </summary>
    public uint Base { get; set; }

    /// <summary>
    /// The last base the front-end set (SET_VRING_BASE) on this ring since the port was created, -1 if none; kept
    /// across sessions for port-status (what a migration destination resumed from). Session thread writes; racy reads.
    /// </summary>
    public long LastSetBase { get; set; } = -1;

    /// <summary>
    /// The last base handed to the front-end (GET_VRING_BASE reply) since the port was created, -1 if none; kept across
    /// sessions for port-status (where a migration source stopped). Session thread writes; racy reads.
    /// </summary>
    public long LastGetBase { get; set; } = -1;

    /// <summary>Kick eventfd (-1 = none).</summary>
    public int KickFd { get; set; } = -1;

    /// <summary>Call eventfd (-1 = none: the front-end polls).</summary>
    public int CallFd { get; set; } = -1;

    /// <summary>Error eventfd (-1 = none). Kept only to be closed; the switch reports errors by other means.</summary>
    public int ErrFd { get; set; } = -1;

    /// <summary>A kick (fd, or the polling flag) arrived since the ring last stopped: start when everything else is set.</summary>
    public bool KickReceived { get; set; }

    /// <summary>SET_VRING_KICK came with the "no fd" flag: the back-end polls without waiting for kicks.</summary>
    public bool Polling { get; set; }

    /// <summary>SET_VRING_ENABLE state.</summary>
    public bool Enabled { get; set; }

    /// <summary>The session already reported that the guest broke this ring (reset at each start).</summary>
    public bool BrokenReported { get; set; }

    /// <summary>The ring is started (kick received, validated) until GET_VRING_BASE or disconnect.</summary>
    public bool Started { get; set; }

    /// <summary>The session already logged a failed notification on this ring in this session.</summary>
    public bool CallFailureLogged { get; set; }

    /// <summary>True when the datapath may work on the ring (a snapshot is published).</summary>
    public bool IsRunning => Volatile.Read(ref Snapshot) is not null;

    /// <summary>
    /// Datapath: takes the ring for one batch if nobody holds it (one interlocked compare-exchange). False when the
    /// session holds it (it is reconfiguring: leave the ring alone; nothing is lost, the guest's buffers wait) or, for a
    /// moment, another datapath thread does. The mirror of <see cref="TryQuiesce"/>; give the ring back with
    /// <see cref="ExitDatapath"/>. Never call it while this thread holds the ring (<see cref="DatapathHolds"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnterDatapath() => Interlocked.CompareExchange(ref _busy, DatapathOwner, Free) == Free;

    /// <summary>
    /// Datapath senders, who share a guest receive ring: like <see cref="TryEnterDatapath"/>, but while another datapath
    /// thread holds the ring it spins until that one lets go (without ever sleeping: the holder is in the middle of a
    /// batch). False only when the session holds the ring. Never while this thread holds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnterDatapathAsSender()
    {
        int owner = Interlocked.CompareExchange(ref _busy, DatapathOwner, Free);
        return owner == Free || (owner == DatapathOwner && WaitForOtherSender());
    }

    /// <summary>Datapath: gives the ring back (a release; the mirror of <see cref="Release"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ExitDatapath() => Volatile.Write(ref _busy, Free);

    /// <summary>
    /// Session: publishes <paramref name="snapshot"/> (usually null first), then waits until no datapath thread works
    /// on the ring and takes the flag. Spins, then sleeps in 1 ms steps. False after <paramref name="timeout"/>: some
    /// datapath thread never let go (it still holds lent packets); the caller must not unmap what it might use.
    /// </summary>
    public bool TryQuiesce(RingSnapshot? snapshot, TimeSpan timeout)
    {
        RingSnapshot? previous = Interlocked.Exchange(ref Snapshot, snapshot);
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        int attempts = 0;
        while (Interlocked.CompareExchange(ref _busy, SessionOwner, Free) != Free)
        {
            if (++attempts < 64)
            {
                Thread.SpinWait(32);
                continue;
            }
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }
            if (InCallWrite && previous is not null)
            {
                // The holder sits in a call-eventfd write, which only blocks when the front-end cleared O_NONBLOCK and
                // filled the counter: free it (the fd is still open: fds close only after a successful quiesce).
                _ = RingEventFd.ReleaseBlockedWriter(previous.CallFd);
            }
            Thread.Sleep(1);
        }
        foreach (int fd in _deferredFds)
        {
            FileDescriptor.CloseIfValid(fd);
        }
        _deferredFds.Clear();
        return true;
    }

    /// <summary>
    /// Session: forgets the ring's fds and configuration while a datapath thread still holds the ring (it may signal
    /// the call fd): the fds are closed at the next successful <see cref="TryQuiesce"/>. The queue itself is left alone.
    /// </summary>
    public void AbandonConfiguration()
    {
        _deferredFds.Add(KickFd);
        _deferredFds.Add(CallFd);
        _deferredFds.Add(ErrFd);
        ForgetConfiguration();
    }

    /// <summary>Session, with the ring quiesced or abandoned: back to "nothing set", fds already dealt with.</summary>
    public void ForgetConfiguration()
    {
        Volatile.Write(ref PublishedKickFd, -1);
        KickFd = CallFd = ErrFd = -1;
        Num = 0;
        Addr = null;
        Base = 0;
        IsPacked = false;
        Enabled = Started = KickReceived = Polling = CallFailureLogged = false;
    }

    /// <summary>True while a datapath thread is inside a write to this ring's call eventfd (a few microseconds, unless blocked).</summary>
    public bool InCallWrite => (Volatile.Read(ref SignalSeq) & 1) != 0;

    /// <summary>Session: publishes <paramref name="snapshot"/> and gives the ring back to the datapath.</summary>
    public void Release(RingSnapshot? snapshot)
    {
        Volatile.Write(ref Snapshot, snapshot);
        Volatile.Write(ref _busy, Free);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WaitForOtherSender()
    {
        var spin = new SpinWait();
        while (true)
        {
            spin.SpinOnce(sleep1Threshold: -1);
            int owner = Interlocked.CompareExchange(ref _busy, DatapathOwner, Free);
            if (owner == Free)
            {
                return true;
            }
            if (owner == SessionOwner)
            {
                return false;
            }
        }
    }
}
