using System.Globalization;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Parses an ovs-ofctl action list: actions separated by commas (commas inside parentheses belong to the action),
/// each "name", "name:argument" or "name(arguments)". The apply-actions come first, then the OpenFlow 1.3
/// instructions in their order: <c>clear_actions</c>, <c>write_actions(...)</c>, <c>write_metadata:V[/M]</c>,
/// <c>goto_table:N</c>, as ovs-ofctl requires. Control thread only.
/// </summary>
internal static class ActionParser
{
    private static readonly HashSet<string> s_keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "output", "normal", "flood", "all", "in_port", "local", "drop", "controller", "table", "none",
        "mod_vlan_vid", "mod_vlan_pcp", "strip_vlan", "pop_vlan", "push_vlan", "mod_dl_src", "mod_dl_dst",
        "set_field", "group", "dec_ttl", "mod_nw_ttl", "goto_table", "write_metadata", "write_actions", "clear_actions",
        "mod_nw_src", "mod_nw_dst", "mod_tp_src", "mod_tp_dst", "mod_nw_tos", "mod_nw_ecn", "set_tunnel", "set_tunnel64",
    };

    private enum Stage
    {
        Apply,
        Clear,
        Write,
        Metadata,
        Goto,
    }

    /// <summary>True for words that mean something in an action list, so a port with that name must be printed by number.</summary>
    public static bool IsKeyword(string name) => s_keywords.Contains(name);

    /// <summary>
    /// Parses <paramref name="text"/>; positions in errors are offset by <paramref name="offset"/>. <c>output:TABLE</c>
    /// is allowed only when <paramref name="allowTable"/> (a PACKET_OUT's actions).
    /// </summary>
    public static ActionList Parse(string text, int offset, IPortNameResolver? ports, bool allowTable = false)
    {
        var actions = new List<FlowAction>();
        ActionList? write = null;
        bool clear = false;
        ulong metadata = 0;
        ulong metadataMask = 0;
        int gotoTable = -1;
        var stage = Stage.Apply;
        int dropAt = -1;
        foreach ((string item, int at) in SplitTopLevel(text, offset))
        {
            int colon = item.IndexOfAny([':', '(']);
            string name = (colon < 0 ? item : item[..colon]).ToLowerInvariant();
            switch (name)
            {
                case "clear_actions":
                    Order(ref stage, Stage.Clear, item, at);
                    NoArgument(colon < 0 ? null : item[colon..], item, at);
                    clear = true;
                    continue;
                case "write_actions":
                    Order(ref stage, Stage.Write, item, at);
                    write = ParseActionSet(Parenthesised(item, name, at), at + name.Length + 1, ports, "write_actions");
                    continue;
                case "write_metadata":
                    Order(ref stage, Stage.Metadata, item, at);
                    (metadata, metadataMask) = Metadata(Required(name, colon < 0 ? null : item[(colon + 1)..], item, at), at + colon + 1);
                    continue;
                case "goto_table":
                    Order(ref stage, Stage.Goto, item, at);
                    gotoTable = (int)Number(name, Required(name, colon < 0 ? null : item[(colon + 1)..], item, at), FlowTables.MaxTableId, at + colon + 1);
                    continue;
            }
            if (stage != Stage.Apply)
            {
                MatchBuilder.Fail("actions must come before the instructions clear_actions, write_actions, write_metadata and goto_table", item, at);
            }
            FlowAction? action = ParseOne(item, at, ports, allowTable);
            if (action is FlowAction a)
            {
                actions.Add(a);
            }
            else
            {
                dropAt = at;
            }
        }
        if (dropAt >= 0 && (actions.Count > 0 || stage != Stage.Apply))
        {
            MatchBuilder.Fail("drop must be the only action", "drop", dropAt);
        }
        if (actions.Count == 0 && stage == Stage.Apply)
        {
            return ActionList.DropAll;
        }
        return new ActionList([.. actions], write, clear, metadata, metadataMask, gotoTable);
    }

    /// <summary>
    /// Parses an action set (write-actions, a group bucket): OpenFlow 1.3.5 §5.10 allows one action of each type and
    /// one set_field per field; groups inside it are refused when <paramref name="allowGroup"/> is false.
    /// </summary>
    public static ActionList ParseActionSet(string text, int offset, IPortNameResolver? ports, string what, bool allowGroup = true)
    {
        var actions = new List<FlowAction>();
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string item, int at) in SplitTopLevel(text, offset))
        {
            FlowAction? parsed = ParseOne(item, at, ports, allowTable: false);
            if (parsed is not FlowAction a)
            {
                continue;
            }
            if (!allowGroup && a.Kind == FlowActionKind.Group)
            {
                MatchBuilder.Fail($"{what} cannot apply a group (groups do not chain here)", item, at);
            }
            if (!types.Add(SetType(a)))
            {
                MatchBuilder.Fail($"{what} holds at most one action of each type (one set_field per field)", item, at);
            }
            actions.Add(a);
        }
        return actions.Count == 0 ? ActionList.DropAll : new ActionList([.. actions]);
    }

    // Splits at commas outside parentheses; yields each trimmed item with its position.
    private static IEnumerable<(string Item, int At)> SplitTopLevel(string text, int offset)
    {
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : ',';
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (c == ',' && depth == 0)
            {
                int s = start;
                while (s < i && char.IsWhiteSpace(text[s]))
                {
                    s++;
                }
                string item = text[s..i].TrimEnd();
                if (item.Length > 0)
                {
                    yield return (item, offset + s);
                }
                start = i + 1;
            }
        }
    }

    /// <summary>One action; null for <c>drop</c>.</summary>
    private static FlowAction? ParseOne(string item, int position, IPortNameResolver? ports, bool allowTable)
    {
        int colon = item.IndexOfAny([':', '(']);
        string name = (colon < 0 ? item : item[..colon]).ToLowerInvariant();
        string? arg = colon < 0 ? null : item[colon] == '(' ? item[colon..] : item[(colon + 1)..];
        int argAt = position + colon + 1;
        switch (name)
        {
            case "output": return Output(Required(name, arg, item, position), argAt, ports, allowTable);
            case "normal": NoArgument(arg, item, position); return new FlowAction(FlowActionKind.Normal, 0);
            case "flood": NoArgument(arg, item, position); return new FlowAction(FlowActionKind.Flood, 0);
            case "all": NoArgument(arg, item, position); return new FlowAction(FlowActionKind.All, 0);
            case "in_port": NoArgument(arg, item, position); return new FlowAction(FlowActionKind.InPort, 0);
            case "local": NoArgument(arg, item, position); return new FlowAction(FlowActionKind.Output, OpenFlowPort.Local);
            case "drop": NoArgument(arg, item, position); return null;
            case "strip_vlan":
            case "pop_vlan": NoArgument(arg, item, position); return new FlowAction(FlowActionKind.StripVlan, 0);
            case "mod_vlan_vid": return new FlowAction(FlowActionKind.SetVlanVid, Number(name, Required(name, arg, item, position), 4095, argAt));
            case "mod_vlan_pcp": return new FlowAction(FlowActionKind.SetVlanPcp, Number(name, Required(name, arg, item, position), 7, argAt));
            case "push_vlan": return new FlowAction(FlowActionKind.PushVlan, Tpid(Required(name, arg, item, position), argAt));
            case "mod_dl_src": return new FlowAction(FlowActionKind.SetDlSrc, Mac(name, Required(name, arg, item, position), argAt));
            case "mod_dl_dst": return new FlowAction(FlowActionKind.SetDlDst, Mac(name, Required(name, arg, item, position), argAt));
            case "mod_nw_src": return SetFieldOf(FlowField.Ipv4Src, Required(name, arg, item, position), argAt);
            case "mod_nw_dst": return SetFieldOf(FlowField.Ipv4Dst, Required(name, arg, item, position), argAt);
            case "mod_tp_src": return SetFieldOf(FlowField.TcpSrc, Required(name, arg, item, position), argAt);
            case "mod_tp_dst": return SetFieldOf(FlowField.TcpDst, Required(name, arg, item, position), argAt);
            case "mod_nw_tos":
                ulong tos = Number(name, Required(name, arg, item, position), 252, argAt);
                if ((tos & 3) != 0)
                {
                    MatchBuilder.Fail("mod_nw_tos takes a TOS byte with the ECN bits clear (a multiple of 4)", arg!, argAt);
                }
                return FlowAction.SetFieldTo(FlowField.IpDscp, tos >> 2);
            case "mod_nw_ecn": return FlowAction.SetFieldTo(FlowField.IpEcn, Number(name, Required(name, arg, item, position), 3, argAt));
            case "mod_nw_ttl": return new FlowAction(FlowActionKind.SetNwTtl, Number(name, Required(name, arg, item, position), 255, argAt));
            case "dec_ttl": NoArgument(arg, item, position); return new FlowAction(FlowActionKind.DecTtl, 0);
            case "set_field": return SetField(Required(name, arg, item, position), argAt);
            // OVS's Nicira actions for the tunnel key. Both write all 64 bits of tun_id (set_tunnel only picks the
            // shorter OpenFlow 1.0 encoding when the value fits 32 bits), so both are stored as set_field to tun_id,
            // the form ovs-ofctl itself sends over OpenFlow 1.3 and the one dump-flows shows.
            case "set_tunnel":
            case "set_tunnel64": return SetFieldOf(FlowField.TunnelId, Required(name, arg, item, position), argAt);
            case "group": return new FlowAction(FlowActionKind.Group, Number(name, Required(name, arg, item, position), 0xffffff00, argAt));
            case "controller": return Controller(arg, argAt);
            case "table":
                if (!allowTable)
                {
                    MatchBuilder.Fail("output to TABLE is only for packet-out", item, position);
                }
                NoArgument(arg, item, position);
                return new FlowAction(FlowActionKind.Table, 0);
            default:
                if (arg is null && PortText.IsPort(item, ports))
                {
                    return Output(item, position, ports, allowTable);
                }
                MatchBuilder.Fail("unknown action (expected output:PORT, normal, flood, all, in_port, controller, drop, group:, "
                    + "mod_vlan_vid:, mod_vlan_pcp:, strip_vlan, push_vlan:, mod_dl_src:, mod_dl_dst:, set_field:, dec_ttl, "
                    + "mod_nw_ttl:, set_tunnel:, clear_actions, write_actions(), write_metadata:, goto_table:)", item, position);
                return null;
        }
    }

    /// <summary>output:PORT. The OpenFlow 1.0 reserved numbers map onto the action kinds they stand for.</summary>
    private static FlowAction Output(string arg, int position, IPortNameResolver? ports, bool allowTable)
    {
        switch (arg.ToLowerInvariant())
        {
            case "normal": return new FlowAction(FlowActionKind.Normal, 0);
            case "flood": return new FlowAction(FlowActionKind.Flood, 0);
            case "all": return new FlowAction(FlowActionKind.All, 0);
            case "in_port": return new FlowAction(FlowActionKind.InPort, 0);
            case "controller": return new FlowAction(FlowActionKind.Controller, ushort.MaxValue);
            case "table" when allowTable: return new FlowAction(FlowActionKind.Table, 0);
        }
        ushort port = PortText.Parse(arg, ports, position);
        switch (port)
        {
            case OpenFlowPort.InPort: return new FlowAction(FlowActionKind.InPort, 0);
            case OpenFlowPort.Normal: return new FlowAction(FlowActionKind.Normal, 0);
            case OpenFlowPort.Flood: return new FlowAction(FlowActionKind.Flood, 0);
            case OpenFlowPort.All: return new FlowAction(FlowActionKind.All, 0);
            case OpenFlowPort.Controller: return new FlowAction(FlowActionKind.Controller, ushort.MaxValue);
            case OpenFlowPort.Local: return new FlowAction(FlowActionKind.Output, OpenFlowPort.Local);
            case OpenFlowPort.Table when allowTable: return new FlowAction(FlowActionKind.Table, 0);
        }
        if (port == 0 || port > OpenFlowPort.Max)
        {
            MatchBuilder.Fail($"output port must be 1 to {OpenFlowPort.Max}, a port name, or LOCAL", arg, position);
        }
        return new FlowAction(FlowActionKind.Output, port);
    }

    /// <summary><c>controller</c>, <c>controller:MAX_LEN</c> or <c>controller(max_len=N)</c>; max_len defaults to all of the packet.</summary>
    private static FlowAction Controller(string? arg, int position)
    {
        if (arg is null)
        {
            return new FlowAction(FlowActionKind.Controller, ushort.MaxValue);
        }
        string text = arg;
        if (text.StartsWith('('))
        {
            text = text.Trim('(', ')');
            foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!part.StartsWith("max_len=", StringComparison.OrdinalIgnoreCase))
                {
                    MatchBuilder.Fail("controller(...) takes max_len=N only", part, position);
                }
                return new FlowAction(FlowActionKind.Controller, Number("max_len", part[8..], ushort.MaxValue, position));
            }
            return new FlowAction(FlowActionKind.Controller, ushort.MaxValue);
        }
        return new FlowAction(FlowActionKind.Controller, Number("controller", text, ushort.MaxValue, position));
    }

    /// <summary><c>set_field:VALUE-&gt;FIELD</c> in ovs-ofctl's form; VALUE is written as the field's type is.</summary>
    private static FlowAction SetField(string arg, int position)
    {
        int arrow = arg.IndexOf("->", StringComparison.Ordinal);
        if (arrow < 0)
        {
            MatchBuilder.Fail("set_field needs VALUE->FIELD (e.g. set_field:10.0.0.1->ipv4_dst)", arg, position);
        }
        string name = arg[(arrow + 2)..].Trim();
        if (!FlowFields.TryParseName(name, out FlowField field) || !FlowFields.IsWritable(field))
        {
            MatchBuilder.Fail("set_field cannot write this field (try eth_src, eth_dst, vlan_vid, vlan_pcp, ip_dscp, ip_ecn, "
                + "ipv4_src, ipv4_dst, tcp_src, tcp_dst, udp_src, udp_dst, sctp_src, sctp_dst, icmp_type, icmp_code, arp_op, "
                + "arp_spa, arp_tpa, arp_sha, arp_tha, ipv6_src, ipv6_dst, ipv6_label, icmpv6_type, icmpv6_code, nd_target, "
                + "nd_sll, nd_tll, tun_id, tun_dst, tun_src)", name, position + arrow + 2);
        }
        return SetFieldOf(field, arg[..arrow].Trim(), position);
    }

    private static FlowAction SetFieldOf(FlowField field, string text, int position)
    {
        UInt128 value;
        switch (FlowFields.Bits(field))
        {
            case 48:
                value = Mac(FlowFields.Name(field), text, position);
                break;
            case 128:
                if (!ValueText.TryParseIpv6(text, out value))
                {
                    MatchBuilder.Fail($"{FlowFields.Name(field)} takes an IPv6 address like 2001:db8::1", text, position);
                }
                break;
            case 32 when field is not FlowField.Ipv6Label:
                if (!ValueText.TryParseIpv4(text, out uint v4))
                {
                    MatchBuilder.Fail($"{FlowFields.Name(field)} takes an IPv4 address like 10.0.0.1", text, position);
                }
                value = v4;
                break;
            default:
                ulong max = (ulong)FlowFields.AllOnes(field);
                value = Number(FlowFields.Name(field), text, max, position);
                break;
        }
        if (field == FlowField.VlanVid)
        {
            // ovs-ofctl writes the VLAN id with or without OFPVID_PRESENT (4196 or 100); store it with the bit, as OpenFlow carries it.
            value |= 0x1000;
        }
        return FlowAction.SetFieldTo(field, value);
    }

    // The action-set type of an action (OpenFlow 1.3.5 §5.10): one per kind, set_field one per field.
    private static string SetType(FlowAction a) => a.Kind switch
    {
        FlowActionKind.SetField => "set:" + FlowFields.Name(a.Field),
        FlowActionKind.SetVlanVid => "set:vlan_vid",
        FlowActionKind.SetVlanPcp => "set:vlan_pcp",
        FlowActionKind.SetDlSrc => "set:eth_src",
        FlowActionKind.SetDlDst => "set:eth_dst",
        _ when a.IsOutput => "output",
        _ => a.Kind.ToString(),
    };

    private static string Parenthesised(string item, string name, int position)
    {
        if (item.Length < name.Length + 2 || item[name.Length] != '(' || item[^1] != ')')
        {
            MatchBuilder.Fail($"{name} takes its actions in parentheses: {name}(output:2)", item, position);
        }
        return item[(name.Length + 1)..^1];
    }

    private static (ulong Value, ulong Mask) Metadata(string arg, int position)
    {
        ValueText.SplitMask(arg, out string value, out string? maskText, out int maskOffset);
        if (!ValueText.TryParseNumber(value, ulong.MaxValue, out ulong v))
        {
            MatchBuilder.Fail("write_metadata takes VALUE[/MASK], 64-bit numbers", value, position);
        }
        ulong m = ulong.MaxValue;
        if (maskText is not null && !ValueText.TryParseNumber(maskText, ulong.MaxValue, out m))
        {
            MatchBuilder.Fail("write_metadata mask must be a 64-bit number", maskText, position + maskOffset);
        }
        if ((v & ~m) != 0)
        {
            MatchBuilder.Fail("write_metadata value has bits outside its mask", arg, position);
        }
        return (v, m);
    }

    private static void Order(ref Stage stage, Stage next, string item, int position)
    {
        if (next <= stage)
        {
            MatchBuilder.Fail("instructions go in this order, each at most once: clear_actions, write_actions, write_metadata, goto_table", item, position);
        }
        stage = next;
    }

    private static string Required(string name, string? arg, string item, int position)
    {
        if (string.IsNullOrEmpty(arg))
        {
            MatchBuilder.Fail($"{name} needs an argument ({name}:...)", item, position);
        }
        return arg;
    }

    private static void NoArgument(string? arg, string item, int position)
    {
        if (arg is not null)
        {
            MatchBuilder.Fail("this action takes no argument", item, position);
        }
    }

    private static ulong Number(string name, string arg, ulong max, int position)
    {
        if (!ValueText.TryParseNumber(arg, max, out ulong v))
        {
            MatchBuilder.Fail(string.Create(CultureInfo.InvariantCulture, $"{name} must be a number from 0 to {max}"), arg, position);
        }
        return v;
    }

    /// <summary>push_vlan:TPID. IEEE 802.1Q: 0x8100 (customer tag) or 0x88a8 (service tag), as OVS allows.</summary>
    private static ulong Tpid(string arg, int position)
    {
        if (!ValueText.TryParseNumber(arg, ushort.MaxValue, out ulong tpid) || (tpid != 0x8100 && tpid != 0x88a8))
        {
            MatchBuilder.Fail("push_vlan needs TPID 0x8100 or 0x88a8", arg, position);
        }
        return tpid;
    }

    private static ulong Mac(string name, string arg, int position)
    {
        if (!ValueText.TryParseMac(arg, out ulong mac))
        {
            MatchBuilder.Fail($"{name} must be a MAC address like 52:54:00:12:34:56", arg, position);
        }
        return mac;
    }
}
