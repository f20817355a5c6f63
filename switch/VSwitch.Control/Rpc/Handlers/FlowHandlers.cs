using System.Globalization;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>
/// add-flow, add-flows, mod-flows, del-flows and dump-flows over the control plane's <see cref="FlowTables"/>, in
/// ovs-ofctl syntax with ports by name or number. add-flow goes to <c>table=N</c> (default 0); mod-flows, del-flows and
/// dump-flows select in every table unless <c>table=N</c> is given, as ovs-ofctl does. A change is written to the DB
/// before the reply; deleted flows with send_flow_rem are reported to the controllers. Called by the dispatcher, one
/// request at a time.
/// </summary>
public sealed class FlowHandlers
{
    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public FlowHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>add-flow FLOW (with check_overlap and reset_counts as ovs-ofctl takes them).</summary>
    public FlowChangeResult AddFlow(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        FlowAddOptions options = default;
        FlowRule rule = Parse(() => FlowParser.ParseFlow(Required(p.Flow, "add-flow"), _control.Clock, _control.PortNames, out options), null);
        Add(rule, options, null);
        _control.CommitFlows();
        return new FlowChangeResult(1, _control.Flows.Count);
    }

    /// <summary>add-flows: every flow parses and fits, or none is added.</summary>
    public FlowChangeResult AddFlows(AddFlowsParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var rules = new List<(FlowRule Rule, FlowAddOptions Options, int Line)>(p.Flows.Length);
        for (int i = 0; i < p.Flows.Length; i++)
        {
            string line = p.Flows[i]?.Trim() ?? string.Empty;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            FlowAddOptions options = default;
            rules.Add((Parse(() => FlowParser.ParseFlow(line, _control.Clock, _control.PortNames, out options), i + 1), options, i + 1));
        }
        foreach ((FlowRule rule, _, int line) in rules)
        {
            CheckGroups(rule.Actions, line);
        }
        foreach ((FlowRule rule, FlowAddOptions options, int line) in rules)
        {
            Add(rule, options, line);
        }
        if (rules.Count > 0)
        {
            _control.CommitFlows();
        }
        return new FlowChangeResult(rules.Count, _control.Flows.Count);
    }

    /// <summary>mod-flows FLOW [--strict]: replaces the instructions of the selected flows (reset_counts zeroes their counters).</summary>
    public FlowChangeResult ModFlows(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        ActionList? actions = null;
        FlowAddOptions options = default;
        FlowFilter filter = Parse(() => FlowParser.ParseFilter(Required(p.Flow, "mod-flows"), _control.PortNames, p.Strict, out actions, out options), null);
        if (actions is null)
        {
            throw new ControlException(RpcErrorCodes.BadFlow, "mod-flows needs actions=... (use actions=drop to drop)");
        }
        CheckGroups(actions, null);
        int changed;
        try
        {
            changed = _control.Flows.Modify(filter, actions, options.ResetCounts);
        }
        catch (ArgumentException e)
        {
            throw new ControlException(RpcErrorCodes.BadFlow, $"bad flow: {e.Message}", e);
        }
        if (changed > 0)
        {
            _control.CommitFlows();
        }
        return new FlowChangeResult(changed, _control.Flows.Count);
    }

    /// <summary>del-flows [MATCH] [--strict]: without a match, every flow of every table.</summary>
    public FlowChangeResult DelFlows(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        FlowFilter filter = string.IsNullOrWhiteSpace(p.Flow)
            ? FlowFilter.All with { Strict = p.Strict }
            : Parse(() => FlowParser.ParseFilter(p.Flow, _control.PortNames, p.Strict, out _, out _), null);
        IReadOnlyList<RemovedFlow> removed = _control.Flows.Delete(filter);
        if (removed.Count > 0)
        {
            _control.CommitFlows(removed);
        }
        return new FlowChangeResult(removed.Count, _control.Flows.Count);
    }

    /// <summary>dump-flows [MATCH]: flows by table, then descending priority, with counters, as ovs-ofctl prints them.</summary>
    public DumpFlowsResult DumpFlows(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        FlowFilter filter = string.IsNullOrWhiteSpace(p.Flow)
            ? FlowFilter.All
            : Parse(() => FlowParser.ParseFilter(p.Flow, _control.PortNames, strict: false, out _, out _), null);
        long now = _control.Clock.NowMilliseconds;
        var flows = new List<FlowInfo>();
        foreach (FlowRule rule in _control.Flows.Select(filter).OrderBy(r => r.TableId).ThenByDescending(r => r.Priority))
        {
            flows.Add(new FlowInfo(
                FlowFormatter.Format(rule, _control.PortNames, withStats: true, nowMs: now),
                rule.Priority,
                FlowFormatter.FormatMatch(rule.Match, _control.PortNames),
                FlowFormatter.FormatActions(rule.Actions, _control.PortNames),
                "0x" + rule.Cookie.ToString("x", CultureInfo.InvariantCulture),
                rule.PacketCount,
                rule.ByteCount,
                Math.Max(0, now - rule.CreatedMs) / 1000.0,
                Math.Max(0, now - rule.LastUsedMs) / 1000,
                rule.IdleTimeout,
                rule.HardTimeout,
                rule.TableId));
        }
        return new DumpFlowsResult([.. flows]);
    }

    private void Add(FlowRule rule, FlowAddOptions options, int? line)
    {
        CheckGroups(rule.Actions, line);
        if (_control.Flows.Add(rule, options.CheckOverlap, options.ResetCounts) == FlowAddResult.Overlap)
        {
            string where = line is int n ? $"line {n}: " : string.Empty;
            throw new ControlException(RpcErrorCodes.BadFlow, $"{where}check_overlap: a flow of priority {rule.Priority} in table {rule.TableId} overlaps it");
        }
    }

    private void CheckGroups(ActionList actions, int? line)
    {
        foreach (uint g in actions.Groups())
        {
            if (_control.Flows.FindGroup(g) is null)
            {
                string where = line is int n ? $"line {n}: " : string.Empty;
                throw new ControlException(RpcErrorCodes.BadFlow, $"{where}group {g} does not exist (add it with add-group first)");
            }
        }
    }

    private static string Required(string? flow, string command) =>
        string.IsNullOrWhiteSpace(flow) ? throw new ControlException(RpcErrorCodes.BadFlow, $"{command} needs a flow") : flow;

    private static T Parse<T>(Func<T> parse, int? line)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FlowParseException or ArgumentException)
        {
            string where = line is int n ? $"line {n}: " : string.Empty;
            throw new ControlException(RpcErrorCodes.BadFlow, $"{where}bad flow: {e.Message}", e);
        }
    }
}
