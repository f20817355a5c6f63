using VSwitch.Core.Time;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Parses flows in the syntax of <c>ovs-ofctl add-flow</c>: comma- or space-separated <c>field=value</c> items,
/// protocol shorthands (<c>ip</c>, <c>tcp6</c>, ...), then <c>actions=</c> and the action list, e.g.
/// <c>priority=10,tcp,in_port=1,nw_dst=10.0.0.0/8,tp_dst=80,actions=output:2</c>.
/// Errors throw <see cref="FlowParseException"/> naming the problem, the token and its position.
/// Thread-safe (no shared state); meant for the control thread, allocation is fine here.
/// </summary>
public static class FlowParser
{
    /// <summary>
    /// Parses a whole flow for <c>add-flow</c>: match, <c>priority=</c> (default 32768), <c>cookie=</c>,
    /// <c>idle_timeout=</c>, <c>hard_timeout=</c> and a required <c>actions=</c>. The flow's creation time is
    /// <paramref name="clock"/>'s current time.
    /// </summary>
    /// <exception cref="FlowParseException">The text is not a valid flow.</exception>
    public static FlowRule ParseFlow(string text, IClock clock, IPortNameResolver? ports = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(clock);
        Parsed p = Parse(text, ports, allowFlowFields: true);
        if (p.Actions is null)
        {
            MatchBuilder.Fail("a flow needs actions=... (use actions=drop to drop)", text, text.Length);
        }
        return new FlowRule(p.Match, p.Priority ?? FlowRule.DefaultPriority, p.Actions, p.Cookie,
            p.IdleTimeout, p.HardTimeout, clock.NowMilliseconds);
    }

    /// <summary>
    /// Parses the match of a <c>mod-flows</c> or <c>del-flows</c> command; an <c>actions=</c> part is ignored,
    /// and so are timeouts. <paramref name="priority"/> is null when the text names none. An empty text is the
    /// catch-all match.
    /// </summary>
    /// <exception cref="FlowParseException">The text is not a valid match.</exception>
    public static FlowMatch ParseMatch(string text, IPortNameResolver? ports, out int? priority) =>
        ParseMatch(text, ports, out priority, out _);

    /// <summary>As <see cref="ParseMatch(string, IPortNameResolver?, out int?)"/>, also returning the actions when the text has them (for mod-flows).</summary>
    /// <exception cref="FlowParseException">The text is not a valid match or action list.</exception>
    public static FlowMatch ParseMatch(string text, IPortNameResolver? ports, out int? priority, out ActionList? actions)
    {
        ArgumentNullException.ThrowIfNull(text);
        Parsed p = Parse(text, ports, allowFlowFields: false);
        priority = p.Priority;
        actions = p.Actions;
        return p.Match;
    }

    /// <summary>Parses an action list alone, e.g. <c>mod_vlan_vid:10,output:2</c>; an empty text (or <c>drop</c>) drops.</summary>
    /// <exception cref="FlowParseException">The text is not a valid action list.</exception>
    public static ActionList ParseActions(string text, IPortNameResolver? ports = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ActionParser.Parse(text, 0, ports);
    }

    private static Parsed Parse(string text, IPortNameResolver? ports, bool allowFlowFields)
    {
        var match = new MatchBuilder(ports);
        var p = new Parsed();
        foreach (FlowItem item in FlowItem.Split(text))
        {
            switch (item.Name)
            {
                case "actions":
                    p.Actions = ActionParser.Parse(item.Value ?? string.Empty, item.ValueStart, ports);
                    break;
                case "priority":
                    p.Priority = (int)Setting(item, FlowRule.MaxPriority);
                    break;
                case "cookie":
                    if (!allowFlowFields)
                    {
                        MatchBuilder.Fail("selecting flows by cookie is not supported", item.Text, item.Start);
                    }
                    p.Cookie = Setting(item, ulong.MaxValue);
                    break;
                case "idle_timeout":
                    p.IdleTimeout = (int)Setting(item, ushort.MaxValue);
                    break;
                case "hard_timeout":
                    p.HardTimeout = (int)Setting(item, ushort.MaxValue);
                    break;
                default:
                    if (!match.TryApply(item))
                    {
                        MatchBuilder.Fail("unknown field", item.Name, item.Start);
                    }
                    break;
            }
        }
        p.Match = match.Build();
        return p;
    }

    private static ulong Setting(FlowItem item, ulong max)
    {
        ulong v = 0;
        if (item.Value is null || !ValueText.TryParseNumber(item.Value, max, out v))
        {
            MatchBuilder.Fail($"{item.Name} must be a number from 0 to {max}", item.Value ?? item.Text,
                item.Value is null ? item.Start : item.ValueStart);
        }
        return v;
    }

    private sealed class Parsed
    {
        public FlowMatch Match { get; set; } = FlowMatch.CatchAll;

        public int? Priority { get; set; }

        public ulong Cookie { get; set; }

        public int IdleTimeout { get; set; }

        public int HardTimeout { get; set; }

        public ActionList? Actions { get; set; }
    }
}
