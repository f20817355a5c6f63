using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Runtime;
using VSwitch.Control.Store;
using VSwitch.Core.Time;
using VSwitch.Flows.Groups;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.OpenFlow.Transport;
using VSwitch.Rpc;

namespace VSwitch.Control;

/// <summary>
/// The control plane's state: the current <see cref="SwitchConfig"/> snapshot, the live <see cref="FlowTables"/>
/// and the means to change them. A change is applied to the running switch, then written to the DB, and only
/// then acknowledged; if the write fails, the running switch is put back as it was.
/// Thread rules: not thread-safe. The RPC dispatcher serialises every request (and the flow-expiry timer) so
/// exactly one caller is inside at a time.
/// </summary>
public sealed class ControlPlane
{
    private readonly ConfigStore _store;
    private ConfigPortNameResolver? _names;

    /// <summary>Creates the control plane over a loaded configuration; call <see cref="Restore"/> next.</summary>
    public ControlPlane(SwitchConfig config, ConfigStore store, ISwitchRuntime runtime, PortTypeRegistry portTypes,
        PortTypeContext context, IClock clock, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(portTypes);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(logger);
        Config = config;
        _store = store;
        Runtime = runtime;
        PortTypes = portTypes;
        Context = context;
        Clock = clock;
        Logger = logger;
        Flows = new FlowTables(clock);
    }

    /// <summary>The current configuration (the one in the DB).</summary>
    public SwitchConfig Config { get; private set; }

    /// <summary>The live flow tables and groups (their flows carry the counters).</summary>
    public FlowTables Flows { get; private set; }

    /// <summary>The running switch.</summary>
    public ISwitchRuntime Runtime { get; }

    /// <summary>The port types this daemon can create.</summary>
    public PortTypeRegistry PortTypes { get; }

    /// <summary>Defaults for port types (the run directory).</summary>
    public PortTypeContext Context { get; }

    /// <summary>The clock flows are timed with.</summary>
    public IClock Clock { get; }

    /// <summary>The control plane's log.</summary>
    public ILogger Logger { get; }

    /// <summary>Port names of the current configuration, for flow text.</summary>
    public ConfigPortNameResolver PortNames => _names ??= new ConfigPortNameResolver(Config);

    /// <summary>
    /// Brings the running switch to the loaded configuration at start: settings, the flow table, then every port.
    /// A port that cannot be created is logged and kept in the configuration (shown in state error).
    /// </summary>
    /// <exception cref="CorruptConfigException">A stored flow does not parse.</exception>
    public void Restore()
    {
        Runtime.SetMacAging(Config.Settings.MacAgingTime);
        Runtime.SetMacTableSize(Config.Settings.MacTableSize);
        Runtime.SetPmdMode(Config.Settings.PmdMode);
        Flows = BuildTables(Config.Flows, Config.Groups, _store.Path);
        Runtime.ReplaceFlows(Flows);
        if (Config.Controllers.Length > 0 || Config.FailMode != FailMode.Standalone)
        {
            try
            {
                Runtime.SetControllers(ControllerTargets(Config.Controllers), Config.FailMode);
            }
            catch (ControlException e)
            {
                Logger.LogError("controllers cannot be restored: {Reason}", e.Message);
            }
        }
        foreach (PortConfig port in Config.Ports)
        {
            try
            {
                Runtime.AddPort(port);
                Logger.LogInformation("port {Port}: restored ({Type}, ofport {OfPort})", port.Name, port.Type, port.OfPort);
            }
            catch (ControlException e)
            {
                Logger.LogError("port {Port}: cannot be restored: {Reason}", port.Name, e.Message);
            }
        }
        Logger.LogInformation("bridge {Bridge}: {Ports} ports and {Flows} flows restored", Config.Bridge, Config.Ports.Length, Flows.Count);
    }

    /// <summary>Writes <paramref name="next"/> to the DB and makes it current.</summary>
    /// <exception cref="ControlException">The DB could not be written (code InternalError); nothing changed.</exception>
    public void Commit(SwitchConfig next)
    {
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            _store.Save(next);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Logger.LogError("cannot write the config DB {Path}: {Reason}", _store.Path, e.Message);
            throw new ControlException(RpcErrorCodes.InternalError, $"cannot write the config DB {_store.Path}: {e.Message}", e);
        }
        Config = next;
        _names = null;
    }

    /// <summary>
    /// Writes the current flows and groups to the DB and publishes them to the datapath. When the write fails the
    /// tables are rebuilt from the last stored flows and groups (their counters restart) and the error is rethrown.
    /// </summary>
    /// <exception cref="ControlException">The DB could not be written.</exception>
    public void CommitFlows()
    {
        try
        {
            Commit(WithFlows(Config));
        }
        catch (ControlException)
        {
            Flows = BuildTables(Config.Flows, Config.Groups, _store.Path);
            Runtime.ReplaceFlows(Flows);
            throw;
        }
        Runtime.ReplaceFlows(Flows);
    }

    /// <summary><paramref name="config"/> with the live flows and groups as they are stored (ovs-ofctl text lines).</summary>
    public SwitchConfig WithFlows(SwitchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var lines = ImmutableArray.CreateBuilder<string>(Flows.Count);
        foreach (FlowRule rule in Flows.Rules)
        {
            lines.Add(FlowFormatter.Format(rule));
        }
        var groups = ImmutableArray.CreateBuilder<string>(Flows.Groups.Count);
        foreach (FlowGroup group in Flows.Groups)
        {
            groups.Add(FlowFormatter.FormatGroup(group));
        }
        return config with { Flows = lines.MoveToImmutable(), Groups = groups.MoveToImmutable() };
    }

    /// <summary>
    /// Raised (inside the caller's serialisation) with flows that left the tables through the control plane's door, once
    /// they are stored: timeouts (<see cref="ExpireFlows"/>) and the RPC deletes (<c>del-flows</c>, <c>del-groups</c>).
    /// The OpenFlow adapter reports these as FLOW_REMOVED, as it does the deletes it makes itself. Not raised for a flow
    /// that an add replaces (OpenFlow 1.3.5 §6.4: the entry is updated, not removed) nor by <see cref="Restore"/>.
    /// </summary>
    public event Action<IReadOnlyList<RemovedFlow>>? FlowsRemoved;

    /// <summary>
    /// <see cref="CommitFlows()"/> after a change that removed <paramref name="removed"/>, then raises
    /// <see cref="FlowsRemoved"/> with them. When the write fails the tables go back to the DB's (the flows return) and
    /// nothing is raised.
    /// </summary>
    /// <exception cref="ControlException">The DB could not be written.</exception>
    public void CommitFlows(IReadOnlyList<RemovedFlow> removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        CommitFlows();
        if (removed.Count > 0)
        {
            FlowsRemoved?.Invoke(removed);
        }
    }

    /// <summary>Removes flows whose idle or hard timeout passed, and stores the tables if any did. Returns how many.</summary>
    public int ExpireFlows()
    {
        IReadOnlyList<RemovedFlow> removed = Flows.ExpireTimeouts();
        if (removed.Count > 0)
        {
            Logger.LogInformation("{Count} flows expired", removed.Count);
            CommitFlows(removed);
        }
        return removed.Count;
    }

    /// <summary>The port called <paramref name="name"/>.</summary>
    /// <exception cref="ControlException">No such port (code NotFound).</exception>
    public PortConfig GetPort(string name) => Config.FindPort(name) ?? throw ControlException.NoSuchPort(name);

    /// <summary>Resolves a port given by name or by OpenFlow number.</summary>
    /// <exception cref="ControlException">No such port (code NotFound).</exception>
    public PortConfig GetPortByNameOrNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Config.FindPort(text) is { } byName)
        {
            return byName;
        }
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
            && Config.FindPort(n) is { } byNumber
            ? byNumber
            : throw ControlException.NoSuchPort(text);
    }

    /// <summary>Parses stored or requested controller targets.</summary>
    /// <exception cref="ControlException">One is not <c>tcp:HOST[:PORT]</c>, or one is given twice (code InvalidParams).</exception>
    public static IReadOnlyList<ControllerTarget> ControllerTargets(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var targets = new List<ControllerTarget>();
        foreach (string text in texts)
        {
            if (!ControllerTarget.TryParse(text, out ControllerTarget? target, out string? error))
            {
                throw ControlException.Invalid(error);
            }
            if (targets.Contains(target))
            {
                throw ControlException.Invalid($"controller {target} is given twice");
            }
            targets.Add(target);
        }
        return targets;
    }

    private FlowTables BuildTables(ImmutableArray<string> lines, ImmutableArray<string> groups, string dbPath)
    {
        var tables = new FlowTables(Clock, withDefaultFlow: false);
        // Groups first: flows that apply a group need it to exist.
        for (int i = 0; i < groups.Length; i++)
        {
            try
            {
                tables.AddGroup(GroupParser.ParseGroup(groups[i], Clock));
            }
            catch (Exception e) when (e is FlowParseException or ArgumentException)
            {
                throw new CorruptConfigException(dbPath, $"group {i + 1} ('{groups[i]}'): {e.Message}", e);
            }
        }
        for (int i = 0; i < lines.Length; i++)
        {
            try
            {
                tables.Add(FlowParser.ParseFlow(lines[i], Clock));
            }
            catch (Exception e) when (e is FlowParseException or ArgumentException)
            {
                throw new CorruptConfigException(dbPath, $"flow {i + 1} ('{lines[i]}'): {e.Message}", e);
            }
        }
        return tables;
    }
}
