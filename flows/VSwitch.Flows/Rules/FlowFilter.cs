using VSwitch.Flows.Actions;

namespace VSwitch.Flows.Rules;

/// <summary>
/// Which flows a modify, delete or statistics request selects (OpenFlow 1.3.5 §6.4 and §7.3.4.2): a table (or all),
/// a match taken loosely (every flow at least as specific that agrees with it) or strictly (equal match and equal
/// priority), a cookie under a mask, and optionally only flows that output to a port or apply a group.
/// Immutable.
/// </summary>
/// <param name="TableId">The table, or null for every table (OFPTT_ALL).</param>
/// <param name="Match">The match; null selects every flow (a loose catch-all).</param>
/// <param name="Priority">The priority a strict selection needs (default <see cref="FlowRule.DefaultPriority"/>); ignored when loose.</param>
/// <param name="Strict">Strict or loose selection.</param>
/// <param name="Cookie">Cookie value the flow must have under <paramref name="CookieMask"/>.</param>
/// <param name="CookieMask">Cookie bits that must equal <paramref name="Cookie"/>; 0 selects any cookie.</param>
/// <param name="OutPort">Only flows with an output to this OpenFlow port number; <see cref="OpenFlowPort.None"/> for any.</param>
/// <param name="OutGroup">Only flows that apply this group; <see cref="AnyGroup"/> for any.</param>
public sealed record FlowFilter(byte? TableId = null, FlowMatch? Match = null, int? Priority = null, bool Strict = false,
    ulong Cookie = 0, ulong CookieMask = 0, ushort OutPort = OpenFlowPort.None, uint OutGroup = FlowFilter.AnyGroup)
{
    /// <summary>No group filter (OFPG_ANY).</summary>
    public const uint AnyGroup = 0xffffffff;

    /// <summary>Every flow of every table.</summary>
    public static FlowFilter All { get; } = new();

    /// <summary>True when <paramref name="rule"/> is selected.</summary>
    public bool Selects(FlowRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (TableId is byte t && rule.TableId != t)
        {
            return false;
        }
        if (((rule.Cookie ^ Cookie) & CookieMask) != 0)
        {
            return false;
        }
        if (Strict)
        {
            if (rule.Priority != (Priority ?? FlowRule.DefaultPriority) || !rule.Match.Equals(Match ?? FlowMatch.CatchAll))
            {
                return false;
            }
        }
        else if (Match is not null && !rule.Match.IsSelectedBy(Match))
        {
            return false;
        }
        return (OutPort == OpenFlowPort.None || rule.Actions.OutputsTo(OutPort))
            && (OutGroup == AnyGroup || rule.Actions.UsesGroup(OutGroup));
    }
}
