using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Runtime;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;
using VSwitch.Daemon.Capture;
using VSwitch.Daemon.Pmd;
using VSwitch.Datapath.Capture;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Translation;
using VSwitch.Daemon.OpenFlow;
using VSwitch.OpenFlow.Transport;
using VSwitch.VhostUser;

namespace VSwitch.Daemon;

/// <summary>
/// The running switch behind the control plane: owns the ports it creates through the port factories, the MAC
/// learning table, the published datapath snapshot and the datapath threads. Every change builds a new
/// <see cref="DatapathConfig"/> and publishes it; a removed port is released only after every datapath thread
/// passed a quiescent point. Thread rules: control thread only (the RPC dispatcher serialises callers).
/// </summary>
internal sealed class SwitchRuntime : ISwitchRuntime, IDisposable
{
    private readonly PortTypeRegistry _types;
    private readonly IClock _clock;
    private readonly ILogger _log;
    private readonly SortedDictionary<string, RunningPort> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failures = new(StringComparer.Ordinal);
    private readonly SwitchDatapath _datapath;
    private readonly DatapathThreads _threads;
    private readonly Dictionary<string, CapturePoint> _capturePoints = new(StringComparer.Ordinal);
    private readonly CaptureRegistry _captures;
    private MacLearningTable _macTable;
    private FlowPipeline _pipeline;
    private PmdContext? _packetOut;
    private FlowTables? _tables;
    private bool _failOpen;

    /// <summary>
    /// Creates the runtime; capture sockets go to <paramref name="runDirectory"/> with <paramref name="captureSockets"/>
    /// permissions (default: the current directory and mode 0660).
    /// </summary>
    public SwitchRuntime(PortTypeRegistry types, SwitchSettings settings, IClock clock, ILogger log, string? runDirectory = null,
        SocketPermissions? captureSockets = null, TimeSpan? failOpenDelay = null)
    {
        Links = new ControllerLinks(clock, failOpenDelay ?? DaemonOptions.DefaultFailOpenDelay, log);
        _types = types;
        _clock = clock;
        _log = log;
        _macTable = new MacLearningTable(clock, settings.MacTableSize, settings.MacAgingTime);
        _pipeline = new FlowTables(clock, withDefaultFlow: false).Build();
        _datapath = new SwitchDatapath(new DatapathConfig([], _pipeline, _macTable), clock);
        CpuList.TryParse(settings.PmdCpus ?? string.Empty, out int[]? cpus, out _);
        _threads = new DatapathThreads(_datapath, settings.PmdThreads, cpus, settings.PmdMode, log);
        _captures = new CaptureRegistry(runDirectory ?? Directory.GetCurrentDirectory(), captureSockets ?? SocketPermissions.Default,
            _threads.WaitQuiescent, log);
    }

    /// <summary>Starts the datapath threads.</summary>
    public void Start() => _threads.Start();

    /// <summary>
    /// Notified on every port added, removed or re-created here and on every vhost-user session event; the OpenFlow side
    /// sends PORT_STATUS from it. The watcher reads the ports inside the control plane's gate, which the caller of these
    /// methods holds, so it sees a change whole even when woken before the change is finished.
    /// </summary>
    public PortChangeSignal PortChanges { get; } = new();

    public void AddPort(PortConfig port)
    {
        // A port that fails to be created is still configured (shown in an error state): notify either way.
        try
        {
            IPortType type = _types.Get(port.Type);
            IPort created;
            try
            {
                created = type.Create(port);
            }
            catch (ControlException e)
            {
                _failures[port.Name] = e.Message;
                throw;
            }
            _failures.Remove(port.Name);
            _ports[port.Name] = new RunningPort(port, type, created);
            if (created is VhostUserPort vhost)
            {
                vhost.StateChanged += OnVhostUserEvent;
            }
            Publish();
        }
        finally
        {
            PortChanges.Notify();
        }
    }

    public void RemovePort(PortConfig port)
    {
        // The configuration loses the port even when it was never created.
        PortChanges.Notify();
        _failures.Remove(port.Name);
        if (!_ports.Remove(port.Name, out RunningPort? running))
        {
            return;
        }
        if (running.Port is VhostUserPort vhost)
        {
            vhost.StateChanged -= OnVhostUserEvent;
        }
        Publish();
        if (!_threads.WaitQuiescent(TimeSpan.FromSeconds(2)))
        {
            _log.LogWarning("port {Port}: a datapath thread did not reach a quiescent point in time", port.Name);
        }
        _macTable.RemovePort(running.Port.Id);
        (running.Port as IDisposable)?.Dispose();
    }

    public void SetPort(PortConfig previous, PortConfig next)
    {
        bool sameDevice = previous.OfPort == next.OfPort && previous.Options.SequenceEqual(next.Options);
        if (sameDevice && _ports.TryGetValue(next.Name, out RunningPort? running)
            && (previous.Mtu == next.Mtu || _types.Get(next.Type).TryChangeMtu(running.Port, next)))
        {
            // Same device: a VLAN change, or an MTU the port took in place (a tap keeps its namespace placement).
            _ports[next.Name] = running with { Config = next };
            Publish();
            PortChanges.Notify();
            return;
        }
        RemovePort(previous);
        AddPort(next);
    }

    // On the port's session thread (never a datapath thread): a front-end connected or left, a ring started or stopped.
    private void OnVhostUserEvent(object? sender, VhostUserPortEventArgs e) => PortChanges.Notify();

    public PortState GetPortState(PortConfig port) =>
        _ports.TryGetValue(port.Name, out RunningPort? r) ? r.Port.State : PortState.Error;

    public void ReplaceFlows(FlowTables tables)
    {
        _tables = tables;
        if (tables.Settings.FailOpen != _failOpen)
        {
            tables.Settings = tables.Settings with { FailOpen = _failOpen };
        }
        _pipeline = tables.Build();
        Publish();
    }

    /// <summary>The controller connections, the fail mode and the fail-open monitor.</summary>
    public ControllerLinks Links { get; }

    public void SetControllers(IReadOnlyList<ControllerTarget> targets, FailMode failMode) => Links.Configure(targets, failMode);

    public ControllerReport Controllers() => Links.Report();

    /// <summary>
    /// Enters or leaves fail-open: the published tables get the flag (kept across every later publish) and are published
    /// again. Inside the control plane's gate.
    /// </summary>
    public void SetFailOpen(bool failOpen)
    {
        _failOpen = failOpen;
        if (_tables is not null)
        {
            ReplaceFlows(_tables);
        }
    }

    /// <summary>The datapath (the packet-in pump drains its threads' rings).</summary>
    public SwitchDatapath Datapath => _datapath;

    public IReadOnlyList<LearnedMac> FdbShow() =>
        [.. _macTable.GetEntries().Select(e => new LearnedMac(e.Port.Value, e.Vlan, e.Mac, e.AgeSeconds))];

    public FdbStats FdbStats() => new(_macTable.Count, _macTable.MaxEntries, _macTable.Learned, _macTable.Moves, _macTable.Evictions,
        _macTable.Expired, _macTable.RefusedMulticast);

    public int FdbFlush(int? ofPort) =>
        ofPort is int p ? _macTable.RemovePort(new PortId((ushort)p)) : _macTable.Flush();

    public void SetMacAging(int seconds) => _macTable.AgingSeconds = seconds;

    public void SetMacTableSize(int entries)
    {
        if (entries <= _macTable.SlotCount)
        {
            _macTable.MaxEntries = entries;
            return;
        }
        // The table never grows in place (no allocation on the datapath): a larger one starts empty.
        _macTable = new MacLearningTable(_clock, entries, _macTable.AgingSeconds);
        Publish();
        _log.LogInformation("MAC table resized to {Entries} entries; learned addresses were dropped", entries);
    }

    public void SetPmdMode(PmdMode mode) => _threads.SetMode(mode);

    /// <summary>Times one batch in <paramref name="interval"/> stage by stage on every datapath thread (0: none).</summary>
    public void SetStageSampling(int interval) => _threads.SetStageSampling(interval);

    public PortCounters PortStats(PortConfig port)
    {
        if (!_ports.TryGetValue(port.Name, out RunningPort? r))
        {
            return new PortCounters(new PortStats(1), 0);
        }
        return new PortCounters(r.Port.Stats, Math.Max(1, Math.Max(r.Port.RxQueueCount, r.Port.TxQueueCount)));
    }

    public PortStatusReport PortStatus(PortConfig port)
    {
        if (_ports.TryGetValue(port.Name, out RunningPort? r))
        {
            return r.Type.Describe(r.Port, r.Config);
        }
        string? socket = _types.TryGet(port.Type, out IPortType? type) ? type.SocketPath(port) : null;
        return new PortStatusReport(PortState.Error, null, socket, port.Mtu, 0,
            _failures.GetValueOrDefault(port.Name) ?? "the port could not be created");
    }

    public IReadOnlyList<PmdThreadStats> PmdStats() => _threads.Stats();

    public void PmdStatsClear() => _threads.ClearStats();

    public void AddTableCounts(Span<long> lookups, Span<long> matches)
    {
        _threads.AddTableCounts(lookups, matches);
        _packetOut?.Stats.AddTableCountsTo(lookups, matches);
    }

    public IReadOnlyList<PmdRxQueues> PmdRxqShow() => _threads.RxqShow(_datapath.Current);

    public CaptureStarted CaptureStart(CaptureRequest request)
    {
        var points = new CapturePoint[request.Ports.Count];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = CapturePointOf(request.Ports[i]);
        }
        return _captures.Start(request, points);
    }

    public CaptureStatus CaptureStop(int id) => _captures.Stop(id);

    public IReadOnlyList<CaptureStatus> CaptureList() => _captures.List();

    public DropReason? PacketOut(ReadOnlySpan<byte> frame, ushort inPort, ReadOnlySpan<FlowAction> actions)
    {
        // The control thread's own datapath context (its own pool, translator and transmit buffers), made on first use.
        // Its index is one past the datapath threads', so it transmits on a queue that ports share between senders
        // (IPort serialises senders of a shared queue). Used only here, under the control plane's gate.
        _packetOut ??= _datapath.CreatePmd(_threads.Count, new PacketPool(64), emcEntries: 64, megaflows: 64);
        return _packetOut.InjectPacketOut(frame, inPort, actions);
    }

    /// <summary>Periodic housekeeping on the control thread: reclaims aged MAC entries.</summary>
    public void Housekeeping() => _macTable.RemoveExpired();

    /// <summary>Stops the datapath threads, then stops and releases every port (server sockets are removed by the ports). Idempotent.</summary>
    public void Dispose()
    {
        _captures.Dispose();
        _threads.Dispose();
        foreach (RunningPort r in _ports.Values)
        {
            if (r.Port is VhostUserPort vhost)
            {
                vhost.StateChanged -= OnVhostUserEvent;
            }
            (r.Port as IDisposable)?.Dispose();
        }
        _ports.Clear();
        PortChanges.Dispose();
    }

    private void Publish()
    {
        var ports = new List<DatapathPort>(_ports.Count);
        foreach (RunningPort r in _ports.Values.OrderBy(p => p.Config.OfPort))
        {
            ports.Add(new DatapathPort(r.Port, VlanOf(r.Config), capture: CapturePointOf(r.Config.Name),
                splitHorizonGroup: r.Type.SplitHorizonGroup(r.Config)));
        }
        _datapath.Publish(new DatapathConfig(ports, _pipeline, _macTable));
    }

    // A port's capture point is kept by name, so a capture survives the port being re-created (set-port, delete and add).
    private CapturePoint CapturePointOf(string port)
    {
        if (!_capturePoints.TryGetValue(port, out CapturePoint? point))
        {
            point = new CapturePoint();
            _capturePoints[port] = point;
        }
        return point;
    }

    private static PortVlanConfig VlanOf(PortConfig port)
    {
        if (port.Tag is int tag)
        {
            return PortVlanConfig.Access((ushort)tag);
        }
        if (port.Trunks is string trunks && VlanList.TryParse(trunks, out bool[]? member, out _))
        {
            var list = new List<ushort>();
            for (int v = 0; v < member.Length; v++)
            {
                if (member[v])
                {
                    list.Add((ushort)v);
                }
            }
            return PortVlanConfig.Trunk(list);
        }
        return PortVlanConfig.TrunkAll;
    }
}
