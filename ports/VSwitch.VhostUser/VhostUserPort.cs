using System.Text;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Ports;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Session;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser;

/// <summary>
/// A switch port backed by a VM's virtio-net device over vhost-user: the only type that sees both the port world
/// (<see cref="IPort"/>) and the vhost world (session, rings, guest memory).
/// Queues: queue pair q is vring 2q (the guest's receive ring, filled by <see cref="Send"/>) and vring 2q+1 (the
/// guest's transmit ring, drained by <see cref="Receive"/>). <see cref="RxQueueCount"/> and <see cref="TxQueueCount"/>
/// are 1 + the highest queue pair whose ring runs (started and enabled); a queue below that whose ring does not run
/// receives nothing and drops what is sent to it as <c>PortDown</c>. A send to a queue at or beyond
/// <see cref="TxQueueCount"/> goes to queue <c>queue % TxQueueCount</c>, so any number of datapath threads can share
/// fewer guest queues. Counters are per queue pair in <see cref="Stats"/>, sized for <see cref="VhostUserPortOptions.MaxQueuePairs"/>.
/// Threads: one session thread per port (started by <see cref="Start"/>) handles the protocol; datapath threads call
/// the IPort members; a per-ring busy flag taken once per batch keeps them apart (see docs/ARCHITECTURE.md, "The vhost-user session and the datapath").
/// Status and events are for the control plane.
/// </summary>
public sealed partial class VhostUserPort : IPort, IRxWakeup, IDisposable
{
    private readonly VhostUserPortOptions _options;
    private readonly ILogger _logger;
    private readonly Vring[] _rings;
    private readonly BackendSession _session;
    private readonly SessionRunner _runner;
    private readonly RarpAnnouncement _rarp = new();
    private volatile bool _disposed;

    private VhostUserPort(VhostUserPortOptions options, PortId id, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Id = id;
        _rings = new Vring[2 * options.MaxQueuePairs];
        for (int i = 0; i < _rings.Length; i++)
        {
            _rings[i] = new Vring(i);
        }
        Stats = new PortStats(options.MaxQueuePairs);
        _session = new BackendSession(options.Name, logger, _rings, _rarp, options.ZeroCopy, options.RxPoolSize, options.QuiesceTimeout,
            options.Offloads, options.LargeRxPoolSize);
        _session.Changed += Raise;
        _runner = new SessionRunner(options, _session, logger, Raise);
    }

    /// <summary>
    /// Raised on the port's session thread when a front-end connects or leaves, a ring starts, stops or is broken by the
    /// guest, or a RARP announcement is requested. Handlers must return quickly and must not call <see cref="Dispose"/>.
    /// </summary>
    public event EventHandler<VhostUserPortEventArgs>? StateChanged;

    /// <inheritdoc/>
    public PortId Id { get; }

    /// <inheritdoc/>
    public string Name => _options.Name;

    /// <summary>The options the port was created with.</summary>
    public VhostUserPortOptions Options => _options;

    /// <inheritdoc/>
    public int RxQueueCount => _session.ActiveRxQueues;

    /// <inheritdoc/>
    public int TxQueueCount => _session.ActiveTxQueues;

    /// <inheritdoc/>
    public PortStats Stats { get; }

    /// <summary>
    /// What the guest's driver accepts on frames sent to it: a pending checksum with GUEST_CSUM, TCP super-frames with
    /// GUEST_TSO4/GUEST_TSO6 (and ECN with GUEST_ECN); None before SET_FEATURES, after the front-end leaves, and with
    /// <see cref="VhostUserPortOptions.Offloads"/> off. One field read, for the datapath once per batch.
    /// </summary>
    public PortOffloads TxOffloads => _session.DriverOffloads;

    /// <summary>
    /// <see cref="PortState.Down"/> before <see cref="Start"/> and after <see cref="Dispose"/>; <see cref="PortState.Waiting"/>
    /// while listening or connecting; <see cref="PortState.Error"/> instead when the last front-end was cut off for
    /// harming the port (its memory file shrank under the switch, or it made a ring eventfd blocking; the reason is in
    /// <see cref="VhostUserPortStatus.LastError"/>), until a front-end connects again; <see cref="PortState.Negotiating"/>
    /// while a front-end is connected but no queue pair has both rings running; <see cref="PortState.Up"/> when one has.
    /// </summary>
    public PortState State =>
        _disposed || !_runner.IsStarted ? PortState.Down
        : !_runner.IsConnected ? (_session.Failure is null ? PortState.Waiting : PortState.Error)
        : _session.TrafficReady ? PortState.Up
        : PortState.Negotiating;

    /// <summary>Checks <paramref name="options"/> and creates a stopped port; call <see cref="Start"/> to run it.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static VhostUserPort Create(VhostUserPortOptions options, PortId id, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrEmpty(options.Name, nameof(options));
        if (string.IsNullOrEmpty(options.SocketPath) || Encoding.UTF8.GetByteCount(options.SocketPath) > 107 || options.SocketPath.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"socket path '{options.SocketPath}' is empty, contains NUL or is longer than 107 bytes", nameof(options));
        }
        if (options.MaxQueuePairs is < 1 or > 128)
        {
            // 256 vrings is the most a SET_VRING_KICK/CALL index (bits 0-7) can name.
            throw new ArgumentException("MaxQueuePairs must be 1..128", nameof(options));
        }
        if (options.RxPoolSize < Core.Packets.PacketBatch.Capacity * 2 || options.ReconnectInterval <= TimeSpan.Zero || options.QuiesceTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("RxPoolSize must hold two batches; intervals must be positive", nameof(options));
        }
        if (options.LargeRxPoolSize < Core.Packets.PacketBatch.Capacity)
        {
            throw new ArgumentException("LargeRxPoolSize must hold a batch", nameof(options));
        }
        return new VhostUserPort(options, id, logger);
    }

    /// <summary>Starts the session thread (listen or connect loop). Call once.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _runner.Start();
    }

    /// <summary>
    /// A snapshot of the port for the control plane: negotiated features by name, rings, counters of the session.
    /// Any thread; ring positions may be one batch old.
    /// </summary>
    public VhostUserPortStatus GetStatus()
    {
        var rings = new List<VhostUserRingStatus>();
        foreach (Vring ring in _rings)
        {
            if (ring.Num == 0 && !ring.Started && ring.LastSetBase < 0 && ring.LastGetBase < 0)
            {
                continue;
            }
            bool packed = ring.IsPacked;
            rings.Add(new VhostUserRingStatus(
                ring.Index, ring.Num, ring.Enabled, ring.Started, ring.IsRunning,
                ring.IsBroken ? ring.BrokenReason.ToString() : null,
                packed ? ring.Packed.NextAvail : ring.Queue.NextAvail,
                packed ? ring.Packed.NextUsed : ring.Queue.NextUsed,
                ring.KickFd >= 0, ring.CallFd >= 0)
            {
                CallFailures = Volatile.Read(ref ring.CallFailures),
                Layout = packed ? "packed" : "split",
                LastSetBase = ring.LastSetBase < 0 ? null : ring.LastSetBase,
                LastGetBase = ring.LastGetBase < 0 ? null : ring.LastGetBase,
            });
        }
        return new VhostUserPortStatus(
            Name, State, _options.Mode, _options.SocketPath,
            FlagNames<VirtioNetFeatures>(_session.AckedFeatures), FlagNames<ProtocolFeatures>(_session.AckedProtocolFeatures),
            _session.Mtu ?? _options.Mtu, Math.Max(RxQueueCount, TxQueueCount), _options.MaxQueuePairs, _session.RegionCount,
            _session.DeviceStatus, rings, _session.LastError, _runner.ConnectCount, _session.RarpMac)
        {
            Regions = _session.Regions,
            OffloadsOffered = _options.Offloads,
            RxOffloads = VirtioNetOffloads.FromDriver(_session.AckedFeatures),
            TxOffloads = _session.DriverOffloads,
            RarpRequested = _rarp.Requested,
            RarpSent = _rarp.Sent,
            DirtyLogging = _session.DirtyLogging,
            DirtyLogBytes = _session.DirtyLogBytes,
            DirtyPagesMarked = _session.DirtyPagesMarked,
            DirtyPagesBeyondLog = _session.DirtyPagesBeyondLog,
        };
    }

    /// <summary>
    /// Stops the port: ends the session (every ring stopped, every fd closed, memory unmapped) and removes a server-mode
    /// socket file. Datapath threads must have stopped calling the port, or at least completed their receives; a ring
    /// still held after <see cref="VhostUserPortOptions.QuiesceTimeout"/> keeps its memory mapped. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _runner.Dispose();
        if (_runner.HasEnded)
        {
            // The session thread is gone: nothing reads the port's fault word any more except mappings still
            // registered (a ring that was never let go), which hold their own reference to it.
            _session.ReleaseNativeState();
        }
    }

    private static List<string> FlagNames<T>(ulong bits) where T : struct, Enum
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            ulong flag = 1UL << bit;
            if ((bits & flag) != 0)
            {
                T value = (T)Enum.ToObject(typeof(T), flag);
                names.Add(Enum.IsDefined(value) ? value.ToString() : "Bit" + bit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return names;
    }

    private void Raise(VhostUserPortEventKind kind, int ring)
    {
        try
        {
            StateChanged?.Invoke(this, new VhostUserPortEventArgs(kind, State, ring));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failing subscriber must not end the session it is being told about.
            VhostUserLog.EventHandlerFailed(_logger, Name, kind, ex);
        }
    }
}
