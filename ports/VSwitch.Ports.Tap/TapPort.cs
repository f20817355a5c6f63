using System.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Ports.Tap;

/// <summary>
/// A port on a Linux TAP interface (/dev/net/tun with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, plus IFF_MULTI_QUEUE when it
/// has more than one queue; one non-blocking fd per queue). The port either creates the interface, which then
/// disappears when the port is disposed (no TUNSETPERSIST), or attaches to an existing persistent tap, which is
/// left in place. Design note: each queue owns a <see cref="PacketPool"/> used only by the datapath thread that
/// polls it; a receive reads each frame straight into a pool buffer with readv (the one copy), a send writes the
/// frame with writev behind its vnet header. The vnet header is 12 bytes (virtio_net_hdr_v1). By default the port
/// enables checksum and TCP segmentation offload (TUNSETOFFLOAD with TUN_F_CSUM, TSO4, TSO6 and TSO_ECN): the kernel
/// then hands over TCP super-frames of up to 64 KiB and frames whose checksum is still pending, described by the vnet
/// header, which becomes the packet's <see cref="PacketBuffer.Offload"/>; sent frames carry their
/// <see cref="PacketBuffer.Offload"/> back in the header. The receive buffers are then sized for a super-frame
/// (<see cref="MaxSuperFrame"/>). With offloads off (TUNSETOFFLOAD 0) the kernel hands over complete MTU-sized frames.
/// Link state follows the interface's IFF_UP and IFF_RUNNING flags, re-read on the control side at most every
/// <see cref="LinkRefreshMs"/> ms, never per packet. Threads: Receive/CompleteReceive and the IRxWakeup methods by
/// the queue's polling thread; Send by any datapath thread (serialised per queue and batch by a
/// <see cref="TxSpinLock"/>); everything else by the control side.
/// </summary>
public sealed partial class TapPort : IPort, IRxWakeup, IDisposable
{
    /// <summary>How old the cached link state may get before the control side re-reads the interface flags.</summary>
    public const int LinkRefreshMs = 250;

    /// <summary>Ethernet header plus one VLAN tag: a frame may be this much longer than the MTU.</summary>
    public const int FrameOverhead = 14 + 4;

    /// <summary>
    /// Longest frame read or written with offloads on: a super-frame's IP packet is at most 64 KiB (the IPv4 total
    /// length and IPv6 payload length are 16 bits; the IPv6 header comes on top), behind Ethernet and a VLAN tag.
    /// </summary>
    public const int MaxSuperFrame = 65536 + 64;

    /// <summary>Receive buffers per queue when <see cref="TapPortOptions.PoolSize"/> is not given and offloads are off.</summary>
    public const int DefaultPoolSize = 512;

    /// <summary>
    /// Receive buffers per queue with offloads on (each holds a super-frame: about 16 MiB per queue). A queue's buffers
    /// are all back in the pool at the end of every datapath iteration, which takes at most a batch of 32 from it.
    /// </summary>
    public const int DefaultSuperFramePoolSize = 256;

    /// <summary>What TUNSETOFFLOAD enables with offloads on, as the datapath names it.</summary>
    public const PortOffloads EnabledOffloads = PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn;

    private readonly TapQueue[] _queues;
    private readonly TapLink _link;
    private readonly long _ownNamespace;
    private readonly int _dataRoom;
    private readonly PortOffloads _offloads;
    private readonly object _control = new();
    private string _ifName;
    private volatile PortState _state = PortState.Down;
    private int _maxFrame;
    private int _mtu;
    private int _ifIndex;
    private short _flags;
    private long _refreshedAt;
    private volatile string? _lastError;
    private bool _disposed;

    private TapPort(PortId id, TapPortOptions options, TapQueue[] queues, TapLink link, bool created)
    {
        Id = id;
        Name = options.Name;
        _ifName = options.IfName;
        _queues = queues;
        _link = link;
        Created = created;
        _ownNamespace = TapLink.OwnNamespaceInode();
        Stats = new PortStats(queues.Length);
        _maxFrame = (options.Mtu ?? 1500) + FrameOverhead;
        _dataRoom = DataRoomFor(options);
        _offloads = options.Offloads ? EnabledOffloads : PortOffloads.None;
    }

    /// <inheritdoc/>
    public PortId Id { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>True when this port created the interface (it is removed with the port); false when it attached to an existing one.</summary>
    public bool Created { get; }

    /// <inheritdoc/>
    public int RxQueueCount => _queues.Length;

    /// <inheritdoc/>
    public int TxQueueCount => _queues.Length;

    /// <summary>The interface's name as last seen.</summary>
    public string IfName => _ifName;

    /// <summary>Up while the interface is IFF_UP and IFF_RUNNING. Control side: re-reads the flags when the cached value is old.</summary>
    public PortState State
    {
        get
        {
            RefreshLink(force: false);
            return _state;
        }
    }

    /// <inheritdoc/>
    public PortStats Stats { get; }

    /// <summary>
    /// What the kernel side takes on frames sent to it: checksum-pending frames and TCP super-frames (IPv4, IPv6, with
    /// ECN) when the port was opened with offloads, else nothing. Fixed for the port's life.
    /// </summary>
    public PortOffloads TxOffloads => _offloads;

    /// <summary>
    /// Creates tap <see cref="TapPortOptions.IfName"/>, or attaches to it if it exists, opens its queues, sets the MTU if
    /// one is given and brings it up.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="IOException">The interface cannot be created, opened or configured; the message says why.</exception>
    public static TapPort Open(TapPortOptions options, PortId id)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Name);
        if (TapPortOptions.CheckIfName(options.IfName) is string problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        if (options.Queues is < 1 or > TapPortOptions.MaxQueues)
        {
            throw new ArgumentException($"queues must be 1..{TapPortOptions.MaxQueues}", nameof(options));
        }
        if (options.PoolSize is < PacketBatch.Capacity * 2)
        {
            throw new ArgumentException($"the pool must hold at least two batches ({PacketBatch.Capacity * 2} buffers)", nameof(options));
        }
        var link = new TapLink();
        var queues = new List<TapQueue>(options.Queues);
        try
        {
            bool existed = link.Exists(options.IfName);
            int dataRoom = DataRoomFor(options);
            int poolSize = options.PoolSize ?? (options.Offloads ? DefaultSuperFramePoolSize : DefaultPoolSize);
            uint offloadBits = options.Offloads ? Tun.TUN_F_CSUM | Tun.TUN_F_TSO4 | Tun.TUN_F_TSO6 | Tun.TUN_F_TSO_ECN : 0;
            for (int i = 0; i < options.Queues; i++)
            {
                int fd = TapLink.OpenQueue(options.IfName, options.Queues > 1, existed, offloadBits, out string? error);
                if (fd < 0)
                {
                    throw new IOException(error);
                }
                queues.Add(new TapQueue(fd, new PacketPool(poolSize, dataRoom)));
            }
            var port = new TapPort(id, options, [.. queues], link, created: !existed);
            port.Configure(options.Mtu);
            return port;
        }
        catch
        {
            foreach (TapQueue q in queues)
            {
                q.Dispose();
            }
            link.Dispose();
            throw;
        }
    }

    /// <summary>A snapshot for port-status (re-reads the interface). Control side.</summary>
    public TapPortStatus GetStatus()
    {
        RefreshLink(force: true);
        lock (_control)
        {
            long rxSuper = 0, txSuper = 0;
            foreach (TapQueue q in _queues)
            {
                rxSuper += Volatile.Read(ref q.RxSuperFrames);
                txSuper += Volatile.Read(ref q.TxSuperFrames);
            }
            return new TapPortStatus(_state, _ifName, _ifIndex, Created, _queues.Length, _mtu > 0 ? _mtu : null, FlagNames(_flags),
                _link.OtherNamespace, _lastError)
            {
                Offloads = _offloads,
                RxSuperFrames = rxSuper,
                TxSuperFrames = txSuper,
            };
        }
    }

    /// <summary>
    /// Limits how many bytes of written frames the kernel may hold for a queue before writes fail with EAGAIN
    /// (TUNSETSNDBUF; the default is unlimited). For tests of the transmit-queue-full path. Control side.
    /// </summary>
    internal unsafe bool SetSendBuffer(int queue, int bytes)
    {
        // SAFETY: bytes is a parameter on this stack frame; TUNSETSNDBUF reads one int through the pointer during the call.
        return Libc.ioctl(_queues[queue].Fd, Tun.TUNSETSNDBUF, &bytes) == 0;
    }

    /// <summary>The pool that receive queue <paramref name="queue"/> rents from (for leak checks in tests).</summary>
    public PacketPool RxPool(int queue) => _queues[queue].Pool;

    /// <summary>
    /// Closes every queue fd: an interface the port created disappears, an attached one stays. Call only after
    /// the datapath stopped using the port. Idempotent.
    /// </summary>
    public void Dispose()
    {
        lock (_control)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _state = PortState.Down;
            foreach (TapQueue q in _queues)
            {
                q.Dispose();
            }
            _link.Dispose();
        }
    }

    /// <summary>
    /// Sets the interface's MTU in place, in whichever network namespace the interface now is, when frames of that MTU
    /// fit this port's receive buffers; returns false, changing nothing, when they do not (the caller then re-creates
    /// the port). The interface and its namespace placement stay as they are. Control side only.
    /// </summary>
    /// <exception cref="IOException">The kernel refused the MTU; the message says why.</exception>
    public bool TrySetMtu(int mtu)
    {
        if (mtu <= 0 || mtu + FrameOverhead > _dataRoom)
        {
            return false;
        }
        // Find the interface first: after a move to another namespace the link socket follows it there.
        RefreshLink(force: true);
        lock (_control)
        {
            if (_disposed)
            {
                return false;
            }
            int rc = _link.SetMtu(_ifName, mtu);
            if (rc != 0)
            {
                throw new IOException($"tap '{_ifName}': cannot set MTU {mtu}: {Libc.Describe(rc)}");
            }
        }
        RefreshLink(force: true);
        return true;
    }

    /// <summary>
    /// Bytes per receive buffer: room for the largest frame the configured MTU allows, never less than the pool default,
    /// and with offloads room for a super-frame.
    /// </summary>
    private static int DataRoomFor(TapPortOptions options) =>
        Math.Max(options.Offloads ? MaxSuperFrame : PacketPool.DefaultDataRoom, (options.Mtu ?? 0) + FrameOverhead);

    private void Configure(int? mtu)
    {
        if (mtu is int m && _link.SetMtu(_ifName, m) is int mtuError && mtuError != 0)
        {
            throw new IOException($"tap '{_ifName}': cannot set MTU {m}: {Libc.Describe(mtuError)}");
        }
        int upError = _link.BringUp(_ifName);
        if (upError != 0)
        {
            throw new IOException($"tap '{_ifName}': cannot bring the interface up: {Libc.Describe(upError)}");
        }
        RefreshLink(force: true);
    }

    private void RefreshLink(bool force)
    {
        long now = Stopwatch.GetTimestamp();
        if (!force && Stopwatch.GetElapsedTime(Volatile.Read(ref _refreshedAt), now).TotalMilliseconds < LinkRefreshMs)
        {
            return;
        }
        lock (_control)
        {
            if (_disposed)
            {
                return;
            }
            Volatile.Write(ref _refreshedAt, now);
            int fd = _queues[0].Fd;
            _ifName = TapLink.CurrentName(fd) ?? _ifName;
            int rc = _link.GetFlags(_ifName, out short flags);
            if (rc == Libc.ENODEV && _link.FollowNamespace(fd, _ownNamespace))
            {
                rc = _link.GetFlags(_ifName, out flags);
            }
            if (rc != 0)
            {
                _state = PortState.Error;
                _lastError = $"cannot read the flags of '{_ifName}': {Libc.Describe(rc)}";
                return;
            }
            _flags = flags;
            if (_link.GetMtu(_ifName, out int mtu) == 0)
            {
                _mtu = mtu;
                Volatile.Write(ref _maxFrame, mtu + FrameOverhead);
            }
            _ = _link.GetIndex(_ifName, out _ifIndex);
            const short upAndRunning = Libc.IFF_UP | Libc.IFF_RUNNING;
            _state = (flags & upAndRunning) == upAndRunning ? PortState.Up : PortState.Down;
        }
    }

    private static string FlagNames(short flags)
    {
        string up = (flags & Libc.IFF_UP) != 0 ? "UP" : "DOWN";
        return (flags & Libc.IFF_RUNNING) != 0 ? up + ",RUNNING" : up;
    }
}
