using System.Globalization;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>
/// add-flow, add-flows, mod-flows, del-flows and dump-flows over the control plane's <see cref="FlowTable"/>, in
/// ovs-ofctl syntax with ports by name or number. A change is written to the DB before the reply. Called by the
/// dispatcher, one request at a time.
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

    /// <summary>add-flow FLOW.</summary>
    public FlowChangeResult AddFlow(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        FlowRule rule = Parse(() => FlowParser.ParseFlow(Required(p.Flow, "add-flow"), _control.Clock, _control.PortNames), null);
        _control.Flows.Add(rule);
        _control.CommitFlows();
        return new FlowChangeResult(1, _control.Flows.Count);
    }

    /// <summary>add-flows: every flow parses, or none is added.</summary>
    public FlowChangeResult AddFlows(AddFlowsParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var rules = new List<FlowRule>(p.Flows.Length);
        for (int i = 0; i < p.Flows.Length; i++)
        {
            string line = p.Flows[i]?.Trim() ?? string.Empty;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            rules.Add(Parse(() => FlowParser.ParseFlow(line, _control.Clock, _control.PortNames), i + 1));
        }
        foreach (FlowRule rule in rules)
        {
            _control.Flows.Add(rule);
        }
        if (rules.Count > 0)
        {
            _control.CommitFlows();
        }
        return new FlowChangeResult(rules.Count, _control.Flows.Count);
    }

    /// <summary>mod-flows FLOW [--strict]: replaces the actions of the selected flows.</summary>
    public FlowChangeResult ModFlows(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        int? priority = null;
        ActionList? actions = null;
        FlowMatch match = Parse(() => FlowParser.ParseMatch(Required(p.Flow, "mod-flows"), _control.PortNames, out priority, out actions), null);
        if (actions is null)
        {
            throw new ControlException(RpcErrorCodes.BadFlow, "mod-flows needs actions=... (use actions=drop to drop)");
        }
        int changed = _control.Flows.Modify(match, priority, actions, p.Strict);
        if (changed > 0)
        {
            _control.CommitFlows();
        }
        return new FlowChangeResult(changed, _control.Flows.Count);
    }

    /// <summary>del-flows [MATCH] [--strict]: without a match, every flow.</summary>
    public FlowChangeResult DelFlows(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        int removed;
        if (string.IsNullOrWhiteSpace(p.Flow))
        {
            removed = _control.Flows.Delete(null, null, p.Strict);
        }
        else
        {
            int? priority = null;
            FlowMatch match = Parse(() => FlowParser.ParseMatch(p.Flow, _control.PortNames, out priority), null);
            removed = _control.Flows.Delete(match, priority, p.Strict);
        }
        if (removed > 0)
        {
            _control.CommitFlows();
        }
        return new FlowChangeResult(removed, _control.Flows.Count);
    }

    /// <summary>dump-flows [MATCH]: flows by descending priority with counters, as ovs-ofctl prints them.</summary>
    public DumpFlowsResult DumpFlows(FlowParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        FlowMatch? filter = null;
        if (!string.IsNullOrWhiteSpace(p.Flow))
        {
            filter = Parse(() => FlowParser.ParseMatch(p.Flow, _control.PortNames, out _), null);
        }
        long now = _control.Clock.NowMilliseconds;
        var flows = new List<FlowInfo>();
        foreach (FlowRule rule in _control.Flows.Rules.OrderByDescending(r => r.Priority))
        {
            if (filter is not null && !rule.Match.IsSelectedBy(filter))
            {
                continue;
            }
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
                rule.HardTimeout));
        }
        return new DumpFlowsResult([.. flows]);
    }

    private static string Required(string? flow, string command) =>
        string.IsNullOrWhiteSpace(flow) ? throw new ControlException(RpcErrorCodes.BadFlow, $"{command} needs a flow") : flow;

    private static T Parse<T>(Func<T> parse, int? line)
    {
        try
        {
            return parse();
        }
        catch (FlowParseException e)
        {
            string where = line is int n ? $"line {n}: " : string.Empty;
            throw new ControlException(RpcErrorCodes.BadFlow, $"{where}bad flow: {e.Message}", e);
        }
        catch (ArgumentOutOfRangeException e)
        {
            string where = line is int n ? $"line {n}: " : string.Empty;
            throw new ControlException(RpcErrorCodes.BadFlow, $"{where}bad flow: {e.Message}", e);
        }
    }
}
