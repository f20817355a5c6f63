using Microsoft.Extensions.Logging;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.VhostUser.Session;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser;

/// <summary>
/// A switch port whose peer is a virtio-net front-end (QEMU's vhost-user-net, DPDK's virtio-user) over a unix socket
/// and shared guest memory: the only type that sees both the port world and the vhost world. Design note: a control
/// thread runs the session (<see cref="BackendSession"/>), which configures the <see cref="Vring"/>s and publishes guest
/// memory; the datapath calls <see cref="Receive"/>/<see cref="Send"/> per batch. Queue pair q is vring 2q (the guest's
/// receive ring, filled by <see cref="Send"/>) and vring 2q+1 (the guest's transmit ring, drained by <see cref="Receive"/>).
/// Each batch takes its vring's busy flag once; a receive holds it until <see cref="CompleteReceive"/>, because lent
/// (zero-copy) packets point into guest memory that must stay mapped until then.
/// </summary>
public sealed partial class VhostUserPort : IPort, IDisposable
{
    private readonly ILogger _logger;
    private readonly Vring[] _vrings;
    private readonly PacketPool?[] _rxPools;
    private GuestMemory _memory = GuestMemory.Empty;
    private DirtyLog? _dirtyLog;
    private volatile int _rxQueueCount;
    private volatile int _txQueueCount;
    private volatile PortState _state = PortState.Down;
    private volatile bool _mergeable;
    private volatile int _headerSize = VirtioNetHeader.LegacySize;

    private VhostUserPort(VhostUserPortOptions options, PortId id, ILogger logger)
    {
        if (options.MaxQueuePairs is < 1 or > 128)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxQueuePairs must be 1..128");
        }
        Options = options;
        Id = id;
        _logger = logger;
        _vrings = new Vring[options.MaxQueuePairs * 2];
        for (int i = 0; i < _vrings.Length; i++)
        {
            _vrings[i] = new Vring(i);
        }
        _rxPools = new PacketPool?[options.MaxQueuePairs];
        Stats = new PortStats(options.MaxQueuePairs);
    }

    /// <summary>Creates a port; nothing happens on the socket until <see cref="Start"/>.</summary>
    public static VhostUserPort Create(VhostUserPortOptions options, PortId id, ILogger logger) => new(options, id, logger);

    /// <summary>The options the port was created with.</summary>
    public VhostUserPortOptions Options { get; }

    /// <inheritdoc/>
    public PortId Id { get; }

    /// <inheritdoc/>
    public string Name => Options.Name;

    /// <summary>Queue pairs whose guest transmit ring runs (the datapath polls queues 0..n-1).</summary>
    public int RxQueueCount => _rxQueueCount;

    /// <summary>Queue pairs whose guest receive ring runs, at least 1 so that a queue choice modulo this is defined.</summary>
    public int TxQueueCount => Math.Max(1, _txQueueCount);

    /// <inheritdoc/>
    public PortState State => _state;

    /// <inheritdoc/>
    public PortStats Stats { get; }

    /// <summary>Raised (on the session thread) when <see cref="State"/> changes.</summary>
    public event Action<VhostUserPort, PortState>? StateChanged;

    /// <summary>
    /// Drains up to <c>batch.Free</c> frames from the guest's transmit ring of queue pair <paramref name="queue"/>.
    /// Ownership as <see cref="IPort.Receive"/>: frames may be lent guest memory, valid until <see cref="CompleteReceive"/>.
    /// Datapath thread that owns the queue only.
    /// </summary>
    public int Receive(int queue, PacketBatch batch)
    {
        if ((uint)queue >= (uint)_rxPools.Length)
        {
            return 0;
        }
        var ring = _vrings[(2 * queue) + 1];
        if (!ring.TryEnter())
        {
            return 0;
        }
        if (!ring.Running)
        {
            ring.Exit();
            return 0;
        }
        var pool = _rxPools[queue] ??= new PacketPool(Options.BuffersPerQueue);
        var memory = Volatile.Read(ref _memory);
        int n = ring.Rx.Receive(memory, batch, pool, _headerSize, Options.ZeroCopy, Stats.Rx[queue]);
        for (int i = batch.Count - n; i < batch.Count; i++)
        {
            batch[i].InPort = Id;
        }
        if (ring.Rx.HeldCount == 0)
        {
            // Nothing lent and no descriptor to return: release now (CompleteReceive will find nothing held).
            ring.Exit();
        }
        return n;
    }

    /// <summary>Returns the descriptors of the last receive to the guest and signals it if it wants that.</summary>
    public void CompleteReceive(int queue)
    {
        if ((uint)queue >= (uint)_rxPools.Length)
        {
            return;
        }
        var ring = _vrings[(2 * queue) + 1];
        if (Volatile.Read(ref ring.Busy) == 0 || ring.Rx.HeldCount == 0)
        {
            return;
        }
        var memory = Volatile.Read(ref _memory);
        if (ring.Rx.Complete(memory, ActiveLog))
        {
            Signal(ring, Stats.Rx[queue]);
        }
        ring.Exit();
    }

    /// <summary>
    /// Copies each frame into the guest's receive ring of queue pair <paramref name="queue"/>. Takes ownership of every
    /// packet (sent or counted as a drop, then freed); the batch is empty on return. Any datapath thread.
    /// </summary>
    public void Send(int queue, PacketBatch batch)
    {
        if ((uint)queue >= (uint)_rxPools.Length)
        {
            DropAll(batch, Stats.Tx[0], DropReason.PortDown);
            return;
        }
        var ring = _vrings[2 * queue];
        var stats = Stats.Tx[queue];
        if (!TryEnterForSend(ring))
        {
            DropAll(batch, stats, DropReason.PortDown);
            return;
        }
        if (!ring.Running)
        {
            ring.Exit();
            DropAll(batch, stats, DropReason.PortDown);
            return;
        }
        var memory = Volatile.Read(ref _memory);
        if (ring.Tx.Send(memory, batch, _mergeable, _headerSize, ActiveLog, stats))
        {
            Signal(ring, stats);
        }
        ring.Exit();
    }

    private static bool TryEnterForSend(Vring ring)
    {
        // Another datapath thread may hold a shared transmit ring for one batch: spin briefly. The session holds it
        // only while it stops or reconfigures the ring, after which Running is false anyway.
        for (int i = 0; i < 4096; i++)
        {
            if (ring.TryEnter())
            {
                return true;
            }
            Thread.SpinWait(8);
        }
        return false;
    }

    private static void DropAll(PacketBatch batch, QueueStats stats, DropReason reason)
    {
        stats.Drops.Add(reason, batch.Count);
        batch.FreeAll();
    }

    private DirtyLog? ActiveLog => Volatile.Read(ref _dirtyLog);

    private static void Signal(Vring ring, QueueStats stats)
    {
        int fd = ring.CallFd;
        if (fd >= 0 && !Interop.Libc.SignalEventFd(fd))
        {
            stats.Errors++;
        }
    }

    /// <summary>
    /// The kick eventfd of queue pair <paramref name="queuePair"/>'s guest transmit ring, for a datapath thread that
    /// wants to sleep until the guest has work. False when the ring does not run or is in polling mode.
    /// </summary>
    public bool TryGetRxKickFd(int queuePair, out int fd)
    {
        fd = -1;
        if ((uint)queuePair >= (uint)_rxPools.Length)
        {
            return false;
        }
        var ring = _vrings[(2 * queuePair) + 1];
        fd = ring.KickFd;
        return ring.Running && fd >= 0;
    }

    /// <summary>
    /// Turns guest kicks for queue pair <paramref name="queuePair"/>'s transmit ring on (before a datapath thread sleeps)
    /// or off (while it polls). When enabling, returns true if frames are already waiting (do not sleep then).
    /// </summary>
    public bool SetRxNotifications(int queuePair, bool enabled)
    {
        if ((uint)queuePair >= (uint)_rxPools.Length)
        {
            return false;
        }
        var ring = _vrings[(2 * queuePair) + 1];
        if (!ring.TryEnter())
        {
            return true;
        }
        bool pending = false;
        if (ring.Running)
        {
            var memory = Volatile.Read(ref _memory);
            if (enabled)
            {
                pending = ring.Queue.EnableNotifications(memory, ActiveLog);
            }
            else
            {
                ring.Queue.DisableNotifications(memory, ActiveLog);
            }
        }
        ring.Exit();
        return pending;
    }

    private void SetState(PortState state)
    {
        if (_state == state)
        {
            return;
        }
        _state = state;
        StateChanged?.Invoke(this, state);
    }
}
