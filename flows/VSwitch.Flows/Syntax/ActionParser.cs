using VSwitch.Flows.Actions;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Parses an ovs-ofctl action list: actions separated by commas, each "name" or "name:argument".
/// Control thread only.
/// </summary>
internal static class ActionParser
{
    private static readonly HashSet<string> s_keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "output", "normal", "flood", "all", "in_port", "local", "drop", "controller", "table", "none",
        "mod_vlan_vid", "mod_vlan_pcp", "strip_vlan", "pop_vlan", "push_vlan", "mod_dl_src", "mod_dl_dst",
    };

    /// <summary>True for words that mean something in an action list, so a port with that name must be printed by number.</summary>
    public static bool IsKeyword(string name) => s_keywords.Contains(name);

    /// <summary>Parses <paramref name="text"/>; positions in errors are offset by <paramref name="offset"/>.</summary>
    public static ActionList Parse(string text, int offset, IPortNameResolver? ports)
    {
        var actions = new List<FlowAction>();
        int dropAt = -1;
        int i = 0;
        while (i <= text.Length)
        {
            int end = text.IndexOf(',', i);
            end = end < 0 ? text.Length : end;
            int start = i;
            while (start < end && char.IsWhiteSpace(text[start]))
            {
                start++;
            }
            string item = text[start..end].TrimEnd();
            if (item.Length > 0)
            {
                FlowAction? action = ParseOne(item, offset + start, ports);
                if (action is FlowAction a)
                {
                    actions.Add(a);
                }
                else
                {
                    dropAt = offset + start;
                }
            }
            i = end + 1;
        }
        if (dropAt >= 0 && actions.Count > 0)
        {
            MatchBuilder.Fail("drop must be the only action", "drop", dropAt);
        }
        return actions.Count == 0 ? ActionList.DropAll : new ActionList([.. actions]);
    }

    /// <summary>One action; null for <c>drop</c>.</summary>
    private static FlowAction? ParseOne(string item, int position, IPortNameResolver? ports)
    {
        int colon = item.IndexOf(':', StringComparison.Ordinal);
        string name = (colon < 0 ? item : item[..colon]).ToLowerInvariant();
        string? arg = colon < 0 ? null : item[(colon + 1)..];
        int argAt = position + colon + 1;
        switch (name)
        {
            case "output": return Output(Required(name, arg, item, position), argAt, ports);
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
            case "controller":
            case "table":
                MatchBuilder.Fail($"action '{name}' is not supported by this switch", item, position);
                return null;
            default:
                if (arg is null && PortText.IsPort(item, ports))
                {
                    return Output(item, position, ports);
                }
                MatchBuilder.Fail("unknown action (expected output:PORT, normal, flood, all, in_port, drop, mod_vlan_vid:, "
                    + "mod_vlan_pcp:, strip_vlan, push_vlan:, mod_dl_src:, mod_dl_dst:)", item, position);
                return null;
        }
    }

    /// <summary>output:PORT. The OpenFlow 1.0 reserved numbers map onto the action kinds they stand for.</summary>
    private static FlowAction Output(string arg, int position, IPortNameResolver? ports)
    {
        switch (arg.ToLowerInvariant())
        {
            case "normal": return new FlowAction(FlowActionKind.Normal, 0);
            case "flood": return new FlowAction(FlowActionKind.Flood, 0);
            case "all": return new FlowAction(FlowActionKind.All, 0);
            case "in_port": return new FlowAction(FlowActionKind.InPort, 0);
        }
        ushort port = PortText.Parse(arg, ports, position);
        switch (port)
        {
            case OpenFlowPort.InPort: return new FlowAction(FlowActionKind.InPort, 0);
            case OpenFlowPort.Normal: return new FlowAction(FlowActionKind.Normal, 0);
            case OpenFlowPort.Flood: return new FlowAction(FlowActionKind.Flood, 0);
            case OpenFlowPort.All: return new FlowAction(FlowActionKind.All, 0);
            case OpenFlowPort.Local: return new FlowAction(FlowActionKind.Output, OpenFlowPort.Local);
        }
        if (port == 0 || port > OpenFlowPort.Max)
        {
            MatchBuilder.Fail($"output port must be 1 to {OpenFlowPort.Max}, a port name, or LOCAL", arg, position);
        }
        return new FlowAction(FlowActionKind.Output, port);
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
            MatchBuilder.Fail($"{name} must be a number from 0 to {max}", arg, position);
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
