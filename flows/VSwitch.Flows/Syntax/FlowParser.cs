using VSwitch.Core.Time;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Parses flows in the syntax of <c>ovs-ofctl add-flow</c>: comma- or space-separated <c>field=value</c> items,
/// protocol shorthands (<c>ip</c>, <c>tcp6</c>, ...), flags, then <c>actions=</c> and the action list, e.g.
/// <c>table=1,priority=10,tcp,in_port=1,nw_dst=10.0.0.0/8,tp_dst=80,actions=output:2</c>.
/// Errors throw <see cref="FlowParseException"/> naming the problem, the token and its position.
/// Thread-safe (no shared state); meant for the control thread, allocation is fine here.
/// </summary>
public static class FlowParser
{
    /// <summary>
    /// Parses a whole flow for <c>add-flow</c>: match, <c>table=</c> (default 0), <c>priority=</c> (default 32768),
    /// <c>cookie=</c>, <c>idle_timeout=</c>, <c>hard_timeout=</c>, the flags <c>send_flow_rem</c>,
    /// <c>no_packet_counts</c>, <c>no_byte_counts</c> (and the add options <c>check_overlap</c>, <c>reset_counts</c>, which
    /// this overload ignores) and a required <c>actions=</c>. The flow's creation time is <paramref name="clock"/>'s time.
    /// </summary>
    /// <exception cref="FlowParseException">The text is not a valid flow.</exception>
    public static FlowRule ParseFlow(string text, IClock clock, IPortNameResolver? ports = null) =>
        ParseFlow(text, clock, ports, out _);

    /// <summary>As <see cref="ParseFlow(string, IClock, IPortNameResolver?)"/>, also returning the add options.</summary>
    /// <exception cref="FlowParseException">The text is not a valid flow.</exception>
    public static FlowRule ParseFlow(string text, IClock clock, IPortNameResolver? ports, out FlowAddOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(clock);
        Parsed p = Parse(text, ports, forAdd: true);
        if (p.Actions is null)
        {
            MatchBuilder.Fail("a flow needs actions=... (use actions=drop to drop)", text, text.Length);
        }
        byte table = p.TableId ?? 0;
        if (p.Actions.GotoTable >= 0 && p.Actions.GotoTable <= table)
        {
            MatchBuilder.Fail($"goto_table must name a table after {table} (the pipeline only goes forward)", text, text.Length);
        }
        options = new FlowAddOptions(p.CheckOverlap, p.ResetCounts);
        return new FlowRule(p.Match, p.Priority ?? FlowRule.DefaultPriority, p.Actions, p.Cookie,
            p.IdleTimeout, p.HardTimeout, clock.NowMilliseconds, table, p.Flags);
    }

    /// <summary>
    /// Parses the selection of a <c>mod-flows</c>, <c>del-flows</c> or <c>dump-flows</c> command: the match,
    /// <c>table=</c> (default: every table), <c>priority=</c> (for strict), <c>cookie=VALUE/MASK</c>,
    /// <c>out_port=</c> and <c>out_group=</c>; timeouts are ignored. <paramref name="actions"/> is the
    /// <c>actions=</c> part when there is one (mod-flows). An empty text selects every flow.
    /// </summary>
    /// <exception cref="FlowParseException">The text is not a valid selection.</exception>
    public static FlowFilter ParseFilter(string text, IPortNameResolver? ports, bool strict, out ActionList? actions,
        out FlowAddOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        Parsed p = Parse(text, ports, forAdd: false);
        actions = p.Actions;
        options = new FlowAddOptions(p.CheckOverlap, p.ResetCounts);
        return new FlowFilter(p.TableId, p.Match, p.Priority, strict, p.Cookie, p.CookieMask, p.OutPort, p.OutGroup);
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
        Parsed p = Parse(text, ports, forAdd: false, matchOnly: true);
        priority = p.Priority;
        actions = p.Actions;
        return p.Match;
    }

    /// <summary>
    /// Parses an action list alone, e.g. <c>mod_vlan_vid:10,output:2</c>; an empty text (or <c>drop</c>) drops.
    /// <paramref name="allowTable"/> admits <c>output:TABLE</c> (a PACKET_OUT's actions).
    /// </summary>
    /// <exception cref="FlowParseException">The text is not a valid action list.</exception>
    public static ActionList ParseActions(string text, IPortNameResolver? ports = null, bool allowTable = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ActionParser.Parse(text, 0, ports, allowTable);
    }

    // matchOnly: the caller keeps only the match, priority and actions, so the selection items that would be lost
    // (cookie, out_port, out_group) are refused rather than ignored.
    private static Parsed Parse(string text, IPortNameResolver? ports, bool forAdd, bool matchOnly = false)
    {
        var match = new MatchBuilder(ports);
        var p = new Parsed();
        foreach (FlowItem item in FlowItem.Split(text))
        {
            if (matchOnly && item.Name is "cookie" or "out_port" or "out_group")
            {
                MatchBuilder.Fail($"{item.Name} selects flows and is not part of a match", item.Text, item.Start);
            }
            switch (item.Name)
            {
                case "actions":
                    p.Actions = ActionParser.Parse(item.Value ?? string.Empty, item.ValueStart, ports);
                    break;
                case "priority":
                    p.Priority = (int)Setting(item, FlowRule.MaxPriority);
                    break;
                case "table":
                    p.TableId = (byte)Setting(item, FlowTables.MaxTableId);
                    break;
                case "cookie":
                    Cookie(item, forAdd, p);
                    break;
                case "idle_timeout":
                    p.IdleTimeout = (int)Setting(item, ushort.MaxValue);
                    break;
                case "hard_timeout":
                    p.HardTimeout = (int)Setting(item, ushort.MaxValue);
                    break;
                case "out_port":
                    p.OutPort = PortText.Parse(item.Value ?? string.Empty, ports, item.ValueStart);
                    break;
                case "out_group":
                    p.OutGroup = (uint)Setting(item, uint.MaxValue);
                    break;
                case "send_flow_rem":
                    Flag(item, p, FlowFlags.SendFlowRemoved);
                    break;
                case "no_packet_counts":
                    Flag(item, p, FlowFlags.NoPacketCounts);
                    break;
                case "no_byte_counts":
                    Flag(item, p, FlowFlags.NoByteCounts);
                    break;
                case "check_overlap":
                    Flag(item, p, FlowFlags.None);
                    p.CheckOverlap = true;
                    break;
                case "reset_counts":
                    Flag(item, p, FlowFlags.None);
                    p.ResetCounts = true;
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

    private static void Cookie(FlowItem item, bool forAdd, Parsed p)
    {
        ValueText.SplitMask(item.Value ?? string.Empty, out string value, out string? mask, out int maskOffset);
        if (!ValueText.TryParseNumber(value, ulong.MaxValue, out ulong cookie))
        {
            MatchBuilder.Fail("cookie must be a 64-bit number", item.Value ?? item.Text, item.ValueStart);
        }
        p.Cookie = cookie;
        if (forAdd)
        {
            if (mask is not null)
            {
                MatchBuilder.Fail("add-flow takes a cookie without a mask", item.Text, item.Start);
            }
            return;
        }
        // ovs-ofctl: a cookie without a mask in a selection means an exact cookie.
        ulong m = ulong.MaxValue;
        if (mask is not null && !ValueText.TryParseNumber(mask, ulong.MaxValue, out m))
        {
            MatchBuilder.Fail("cookie mask must be a 64-bit number", mask, item.ValueStart + maskOffset);
        }
        p.CookieMask = m;
    }

    private static void Flag(FlowItem item, Parsed p, FlowFlags flag)
    {
        if (item.Value is not null)
        {
            MatchBuilder.Fail($"{item.Name} is a flag and takes no value", item.Text, item.Start);
        }
        p.Flags |= flag;
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

        public byte? TableId { get; set; }

        public ulong Cookie { get; set; }

        public ulong CookieMask { get; set; }

        public int IdleTimeout { get; set; }

        public int HardTimeout { get; set; }

        public FlowFlags Flags { get; set; }

        public bool CheckOverlap { get; set; }

        public bool ResetCounts { get; set; }

        public ushort OutPort { get; set; } = OpenFlowPort.None;

        public uint OutGroup { get; set; } = FlowFilter.AnyGroup;

        public ActionList? Actions { get; set; }
    }
}
