using System.Globalization;
using System.Text;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Groups;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Prints flows in ovs-ofctl syntax, in OVS's canonical order: <c>priority=...,&lt;shorthand&gt;,fields...,actions=...</c>.
/// The output of <see cref="Format"/> without statistics parses back (<see cref="FlowParser.ParseFlow(string, VSwitch.Core.Time.IClock, IPortNameResolver?)"/>) to an
/// equal flow, provided the match obeys the parser's prerequisites (every match the parser produces does).
/// Thread-safe; meant for the control thread.
/// </summary>
public static class FlowFormatter
{
    /// <summary>
    /// Formats a flow. Without statistics: <c>[cookie=0x..,][idle_timeout=N,][hard_timeout=N,]priority=P,match,actions=...</c>.
    /// With statistics, as <c>ovs-ofctl dump-flows</c>: <c>cookie=0x0, duration=1.234s, n_packets=3, n_bytes=180,
    /// idle_age=0, priority=...</c>, durations and ages measured at <paramref name="nowMs"/> on the flow table's clock.
    /// </summary>
    public static string Format(FlowRule rule, IPortNameResolver? ports = null, bool withStats = false, long nowMs = 0)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var sb = new StringBuilder(128);
        if (withStats)
        {
            AppendStats(sb, rule, nowMs);
        }
        else
        {
            if (rule.Cookie != 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"cookie=0x{rule.Cookie:x},");
            }
            if (rule.TableId != 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"table={rule.TableId},");
            }
            AppendTimeouts(sb, rule, ",");
            AppendFlags(sb, rule.Flags, ",");
        }
        sb.Append(CultureInfo.InvariantCulture, $"priority={rule.Priority}");
        string match = FormatMatch(rule.Match, ports);
        if (match.Length > 0)
        {
            sb.Append(',').Append(match);
        }
        sb.Append(",actions=").Append(FormatActions(rule.Actions, ports));
        return sb.ToString();
    }

    /// <summary>Formats the match fields alone (no priority); the catch-all match is the empty string.</summary>
    public static string FormatMatch(FlowMatch m, IPortNameResolver? ports = null)
    {
        ArgumentNullException.ThrowIfNull(m);
        return string.Join(',', MatchText.Fields(m.Key, m.Mask, ports));
    }

    /// <summary>
    /// Formats an action list with its instructions, in ovs-ofctl's order: apply-actions, <c>clear_actions</c>,
    /// <c>write_actions(...)</c>, <c>write_metadata:V/M</c>, <c>goto_table:N</c>; the empty list is <c>drop</c>.
    /// </summary>
    public static string FormatActions(ActionList a, IPortNameResolver? ports = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        var parts = new List<string>(a.Count + 4);
        foreach (FlowAction action in a.Actions)
        {
            if (action.Kind != FlowActionKind.Drop)
            {
                parts.Add(FormatAction(action, ports));
            }
        }
        if (a.ClearActions)
        {
            parts.Add("clear_actions");
        }
        if (a.WriteActions is not null)
        {
            parts.Add("write_actions(" + FormatActionSet(a.WriteActions, ports) + ")");
        }
        if (a.MetadataMask != 0)
        {
            parts.Add(a.MetadataMask == ulong.MaxValue
                ? string.Create(CultureInfo.InvariantCulture, $"write_metadata:0x{a.Metadata:x}")
                : string.Create(CultureInfo.InvariantCulture, $"write_metadata:0x{a.Metadata:x}/0x{a.MetadataMask:x}"));
        }
        if (a.GotoTable >= 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"goto_table:{a.GotoTable}"));
        }
        return parts.Count == 0 ? "drop" : string.Join(',', parts);
    }

    /// <summary>Formats an action set (write-actions, a group bucket): its actions, comma-separated; empty is the empty string.</summary>
    public static string FormatActionSet(ActionList a, IPortNameResolver? ports = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        var parts = new List<string>(a.Count);
        foreach (FlowAction action in a.Actions)
        {
            if (action.Kind != FlowActionKind.Drop)
            {
                parts.Add(FormatAction(action, ports));
            }
        }
        return string.Join(',', parts);
    }

    private static string FormatAction(FlowAction a, IPortNameResolver? ports) => a.Kind switch
    {
        FlowActionKind.Controller => a.Argument == ushort.MaxValue ? "controller"
            : string.Create(CultureInfo.InvariantCulture, $"controller:{a.Argument}"),
        FlowActionKind.Group => string.Create(CultureInfo.InvariantCulture, $"group:{a.Argument}"),
        FlowActionKind.DecTtl => "dec_ttl",
        FlowActionKind.SetNwTtl => string.Create(CultureInfo.InvariantCulture, $"mod_nw_ttl:{a.Argument}"),
        FlowActionKind.Table => "output:TABLE",
        FlowActionKind.SetField => "set_field:" + FormatFieldValue(a.Field, a.Value) + "->" + FlowFields.Name(a.Field),
        FlowActionKind.Output => "output:" + PortText.Format(a.Port, ports),
        FlowActionKind.Normal => "normal",
        FlowActionKind.Flood => "flood",
        FlowActionKind.All => "all",
        FlowActionKind.InPort => "in_port",
        FlowActionKind.SetVlanVid => string.Create(CultureInfo.InvariantCulture, $"mod_vlan_vid:{a.Argument}"),
        FlowActionKind.SetVlanPcp => string.Create(CultureInfo.InvariantCulture, $"mod_vlan_pcp:{a.Argument}"),
        FlowActionKind.StripVlan => "strip_vlan",
        FlowActionKind.PushVlan => string.Create(CultureInfo.InvariantCulture, $"push_vlan:0x{a.Argument:x4}"),
        FlowActionKind.SetDlSrc => "mod_dl_src:" + ValueText.FormatMac(a.Argument),
        FlowActionKind.SetDlDst => "mod_dl_dst:" + ValueText.FormatMac(a.Argument),
        _ => "drop",
    };

    /// <summary>A set_field value as ovs-ofctl writes it: MAC and IP addresses in their notation, tun_id in hex, other numbers in decimal.</summary>
    public static string FormatFieldValue(FlowField field, UInt128 value) => field == FlowField.TunnelId
        ? string.Create(CultureInfo.InvariantCulture, $"0x{(ulong)value:x}")
        : FlowFields.Bits(field) switch
    {
        48 => ValueText.FormatMac((ulong)value),
        128 => ValueText.FormatIpv6(value),
        32 => ValueText.FormatIpv4((uint)value),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    private static void AppendStats(StringBuilder sb, FlowRule rule, long nowMs)
    {
        double duration = Math.Max(0, nowMs - rule.CreatedMs) / 1000.0;
        long idleAge = Math.Max(0, nowMs - rule.LastUsedMs) / 1000;
        sb.Append(CultureInfo.InvariantCulture,
            $"cookie=0x{rule.Cookie:x}, duration={duration:F3}s, table={rule.TableId}, n_packets={rule.PacketCount}, n_bytes={rule.ByteCount}, ");
        AppendTimeouts(sb, rule, ", ");
        AppendFlags(sb, rule.Flags, ", ");
        sb.Append(CultureInfo.InvariantCulture, $"idle_age={idleAge}, ");
    }

    private static void AppendFlags(StringBuilder sb, FlowFlags flags, string separator)
    {
        if (flags.HasFlag(FlowFlags.SendFlowRemoved))
        {
            sb.Append("send_flow_rem").Append(separator);
        }
        if (flags.HasFlag(FlowFlags.NoPacketCounts))
        {
            sb.Append("no_packet_counts").Append(separator);
        }
        if (flags.HasFlag(FlowFlags.NoByteCounts))
        {
            sb.Append("no_byte_counts").Append(separator);
        }
    }

    private static void AppendTimeouts(StringBuilder sb, FlowRule rule, string separator)
    {
        if (rule.IdleTimeout != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"idle_timeout={rule.IdleTimeout}").Append(separator);
        }
        if (rule.HardTimeout != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"hard_timeout={rule.HardTimeout}").Append(separator);
        }
    }

    /// <summary>
    /// Formats a group as <c>ovs-ofctl add-group</c> takes it and <c>dump-groups</c> prints it:
    /// <c>group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2</c>.
    /// </summary>
    public static string FormatGroup(FlowGroup group, IPortNameResolver? ports = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        var sb = new StringBuilder(64);
        sb.Append(CultureInfo.InvariantCulture, $"group_id={group.Id},type={GroupParser.TypeName(group.Type)}");
        foreach (GroupBucket b in group.Buckets)
        {
            sb.Append(",bucket=actions=").Append(b.Actions.Count == 0 ? "drop" : FormatActionSet(b.Actions, ports));
        }
        return sb.ToString();
    }

    /// <summary>Whether <paramref name="key"/>/<paramref name="mask"/> pins the EtherType to <paramref name="type"/>.</summary>
    internal static bool DlTypeIs(in FlowKey key, in FlowMask mask, ushort type) => mask.DlType == ushort.MaxValue && key.DlType == type;
}
