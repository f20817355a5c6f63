using Microsoft.Extensions.Logging;
using VSwitch.Core.Ports;
using VSwitch.VhostUser.Memory;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Session;
using VSwitch.VhostUser.Transport;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser;

/// <summary>The control side of the port: the session thread, and the device state it changes.</summary>
public sealed partial class VhostUserPort
{
    /// <summary>Virtio features offered to every front-end. A constant, so that a front-end replaying acked features after a reconnect finds them all.</summary>
    public const VirtioNetFeatures OfferedFeatures =
        VirtioNetFeatures.Version1 | VirtioNetFeatures.MrgRxbuf | VirtioNetFeatures.EventIdx | VirtioNetFeatures.IndirectDesc
        | VirtioNetFeatures.Mq | VirtioNetFeatures.Mtu | VirtioNetFeatures.Status | VirtioNetFeatures.GuestAnnounce
        | VirtioNetFeatures.LogAll | VirtioNetFeatures.ProtocolFeatures | VirtioNetFeatures.NotifyOnEmpty;

    /// <summary>Protocol features offered.</summary>
    public const ProtocolFeatures OfferedProtocolFeatures =
        ProtocolFeatures.Mq | ProtocolFeatures.LogShmfd | ProtocolFeatures.Rarp | ProtocolFeatures.ReplyAck
        | ProtocolFeatures.NetMtu | ProtocolFeatures.Status | ProtocolFeatures.ConfigureMemSlots;

    /// <summary>Memory slots offered with CONFIGURE_MEM_SLOTS.</summary>
    public const int MaxMemSlots = 32;

    private readonly object _deviceGate = new();
    private readonly List<MappedRegion> _regions = [];
    private MappedLog? _mappedLog;
    private Thread? _sessionThread;
    private volatile bool _stopping;
    private UnixListener? _listener;
    private UnixConnection? _connection;
    private int _connectCount;
    private string? _lastError;

    internal ulong AckedFeatures { get; private set; }

    internal ProtocolFeatures AckedProtocol { get; private set; }

    internal byte DeviceStatus { get; set; }

    internal int? FrontendMtu { get; set; }

    internal string? RarpMac { get; set; }

    internal ILogger Logger => _logger;

    internal int VringCount => _vrings.Length;

    internal Vring GetVring(int index) => _vrings[index];

    /// <summary>Starts the session thread: listen (server) or connect-and-retry (client).</summary>
    public void Start()
    {
        if (_sessionThread is not null)
        {
            throw new InvalidOperationException("port already started");
        }
        if (Options.Mode == VhostUserMode.Server)
        {
            _listener = UnixListener.Create(Options.SocketPath, Options.SocketMode, Options.SocketOwner, Options.SocketGroup);
        }
        SetState(PortState.Waiting);
        _sessionThread = new Thread(SessionLoop) { IsBackground = true, Name = "vhost:" + Name };
        _sessionThread.Start();
    }

    /// <summary>Stops the session, releases every ring, unmaps guest memory, closes every fd and removes a server socket file.</summary>
    public void Dispose()
    {
        _stopping = true;
        Volatile.Read(ref _connection)?.Shutdown();
        _sessionThread?.Join();
        _listener?.Dispose();
        _listener = null;
        ResetDevice();
        SetState(PortState.Down);
    }

    /// <summary>A snapshot for <c>port-status</c>.</summary>
    public VhostUserPortStatus GetStatus()
    {
        lock (_deviceGate)
        {
            var rings = new List<VringStatus>();
            foreach (var r in _vrings)
            {
                if (r.Num == 0 && !r.Started && r.CallFd < 0 && r.KickFd < 0)
                {
                    continue;
                }
                rings.Add(new VringStatus(r.Index, r.Queue.Size, r.Enabled, r.Started, r.Running,
                    r.Queue.IsBroken ? r.Queue.BrokenReason.ToString() : null, r.Queue.NextAvail, r.Queue.NextUsed,
                    r.KickFd >= 0, r.KickPolling, r.CallFd >= 0));
            }
            return new VhostUserPortStatus
            {
                Name = Name,
                State = State,
                Mode = Options.Mode,
                SocketPath = Options.SocketPath,
                AckedFeatureBits = AckedFeatures,
                AckedFeatures = FeatureNames.Of((VirtioNetFeatures)AckedFeatures),
                ProtocolFeatures = FeatureNames.Of(AckedProtocol),
                Mtu = FrontendMtu ?? Options.Mtu,
                QueuePairs = _rxQueueCount,
                DeviceStatus = DeviceStatus,
                Rings = rings,
                MemoryRegions = _regions.Count,
                ConnectCount = _connectCount,
                LastError = _lastError,
                RarpMac = RarpMac,
                Logging = _dirtyLog is not null,
            };
        }
    }

    private void SessionLoop()
    {
        while (!_stopping)
        {
            var conn = Options.Mode == VhostUserMode.Server ? _listener?.TryAccept(200) : ConnectOrWait();
            if (conn is null)
            {
                continue;
            }
            Volatile.Write(ref _connection, conn);
            Interlocked.Increment(ref _connectCount);
            SetState(PortState.Negotiating);
            Log.Connected(_logger, Name, Options.SocketPath);
            VhostUserError error;
            try
            {
                error = new BackendSession(this, conn).Run(() => _stopping);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug must cost this session, never the process (STYLE rule 8).
                Log.SessionCrashed(_logger, Name, ex);
                error = VhostUserError.InvalidState;
            }
            Volatile.Write(ref _connection, null);
            conn.Dispose();
            if (!_stopping)
            {
                _lastError = error == VhostUserError.Disconnected ? _lastError : error.ToString();
                Log.Disconnected(_logger, Name, error);
            }
            ResetDevice();
            SetState(_stopping ? PortState.Down : PortState.Waiting);
        }
    }

    private UnixConnection? ConnectOrWait()
    {
        var conn = UnixConnector.TryConnect(Options.SocketPath);
        if (conn is null)
        {
            var until = DateTime.UtcNow + Options.ReconnectInterval;
            while (!_stopping && DateTime.UtcNow < until)
            {
                Thread.Sleep(50);
            }
        }
        return conn;
    }

    /// <summary>Records a fatal session error (shown by port-status).</summary>
    internal void RecordError(string message) => _lastError = message;

    internal void SetAckedFeatures(ulong features)
    {
        AckedFeatures = features;
        _mergeable = (features & (ulong)VirtioNetFeatures.MrgRxbuf) != 0;
        _headerSize = VirtioNetHeader.SizeFor(features);
        UpdateLog();
    }

    internal void SetAckedProtocol(ProtocolFeatures features) => AckedProtocol = features;

    internal bool EventIdx => (AckedFeatures & (ulong)VirtioNetFeatures.EventIdx) != 0;

    internal GuestMemory Memory => Volatile.Read(ref _memory);

    internal IReadOnlyList<MappedRegion> Regions => _regions;

    /// <summary>Publishes a new region set, waits for every ring to pass a quiescent point, then unmaps what is gone.</summary>
    internal void ReplaceMemory(List<MappedRegion> regions, GuestMemory memory)
    {
        List<MappedRegion> old;
        lock (_deviceGate)
        {
            old = [.. _regions];
            _regions.Clear();
            _regions.AddRange(regions);
            Volatile.Write(ref _memory, memory);
        }
        Quiesce();
        foreach (var r in old)
        {
            if (!regions.Contains(r))
            {
                r.Dispose();
            }
        }
    }

    internal void ReplaceLog(MappedLog? log)
    {
        MappedLog? old;
        lock (_deviceGate)
        {
            old = _mappedLog;
            _mappedLog = log;
        }
        UpdateLog();
        Quiesce();
        old?.Dispose();
    }

    private void UpdateLog()
    {
        bool active = (AckedFeatures & (ulong)VirtioNetFeatures.LogAll) != 0 && _mappedLog is not null;
        Volatile.Write(ref _dirtyLog, active ? _mappedLog!.Log : null);
    }

    /// <summary>Waits until no datapath thread is inside a batch that could have read an older snapshot.</summary>
    internal void Quiesce()
    {
        foreach (var r in _vrings)
        {
            r.EnterExclusive();
            r.Exit();
        }
    }

    /// <summary>Recomputes queue counts and the port state after a ring changed (session thread).</summary>
    internal void RefreshQueues()
    {
        int rx = 0, tx = 0;
        for (int q = 0; q < _rxPools.Length; q++)
        {
            if (_vrings[(2 * q) + 1].Running)
            {
                rx = q + 1;
            }
            if (_vrings[2 * q].Running)
            {
                tx = q + 1;
            }
        }
        _rxQueueCount = rx;
        _txQueueCount = tx;
        if (_connection is not null)
        {
            var next = rx > 0 || tx > 0 ? PortState.Up : PortState.Negotiating;
            if (next != _state && next == PortState.Up)
            {
                Log.Running(_logger, Name, rx, tx, (ulong)AckedFeatures);
            }
            SetState(next);
        }
    }

    private void ResetDevice()
    {
        foreach (var r in _vrings)
        {
            r.EnterExclusive();
            r.Reset();
            r.Exit();
        }
        _rxQueueCount = 0;
        _txQueueCount = 0;
        lock (_deviceGate)
        {
            Volatile.Write(ref _memory, GuestMemory.Empty);
            Volatile.Write(ref _dirtyLog, null);
            foreach (var r in _regions)
            {
                r.Dispose();
            }
            _regions.Clear();
            _mappedLog?.Dispose();
            _mappedLog = null;
            AckedFeatures = 0;
            AckedProtocol = ProtocolFeatures.None;
            DeviceStatus = 0;
            FrontendMtu = null;
            _mergeable = false;
            _headerSize = VirtioNetHeader.LegacySize;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "port {Port}: front-end connected on {Socket}")]
        public static partial void Connected(ILogger logger, string port, string socket);

        [LoggerMessage(Level = LogLevel.Information, Message = "port {Port}: running, {Rx} rx / {Tx} tx queues, features 0x{Features:x}")]
        public static partial void Running(ILogger logger, string port, int rx, int tx, ulong features);

        [LoggerMessage(Level = LogLevel.Information, Message = "port {Port}: session ended ({Reason})")]
        public static partial void Disconnected(ILogger logger, string port, VhostUserError reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "port {Port}: session failed unexpectedly")]
        public static partial void SessionCrashed(ILogger logger, string port, Exception exception);
    }
}
