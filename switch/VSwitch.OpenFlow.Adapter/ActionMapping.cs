using VSwitch.Flows.Actions;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Adapter;

/// <summary>
/// Converts OpenFlow 1.3 instructions and actions to the flow engine's <see cref="ActionList"/> and back.
/// Supported: apply-actions, write-actions, clear-actions, write-metadata, goto-table; output (ports and IN_PORT,
/// CONTROLLER, FLOOD, ALL, NORMAL, LOCAL, and TABLE in a PACKET_OUT), group, push_vlan, pop_vlan, set_field of every
/// writable field the flow key holds, dec_nw_ttl, set_nw_ttl. Refused: meter (BAD_INSTRUCTION/UNSUP_INST), the
/// MPLS, PBB, TTL-copy and queue actions (BAD_ACTION/BAD_TYPE), set_field of in_port, metadata, eth_type, ip_proto or
/// a field the key lacks (BAD_ACTION/BAD_SET_TYPE), a set_field whose header the flow's match does not guarantee
/// (BAD_ACTION/MATCH_INCONSISTENT, as OVS), output:TABLE in a flow or output to port 0 (BAD_ACTION/BAD_OUT_PORT), a
/// group that does not exist (BAD_ACTION/BAD_OUT_GROUP), two actions of one type in an action set
/// (BAD_ACTION/UNSUPPORTED_ORDER). Back to OpenFlow, the OpenFlow 1.0 actions of the text syntax become their 1.3
/// equivalents (mod_vlan_vid → set_field vlan_vid, mod_dl_src → set_field eth_src, strip_vlan → pop_vlan).
/// Stateless and thread-safe.
/// </summary>
public static class ActionMapping
{
    /// <summary>
    /// The engine's instructions for a flow of <paramref name="match"/>;
    /// <paramref name="groupExists"/> says whether a group id names a group.
    /// </summary>
    public static bool TryToActionList(IReadOnlyList<OfpInstruction> instructions, OfpMatch match, Func<uint, bool> groupExists,
        out ActionList actions, out OfpError error)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        ArgumentNullException.ThrowIfNull(groupExists);
        actions = ActionList.DropAll;
        FlowAction[] apply = [];
        ActionList? write = null;
        bool clear = false;
        ulong metadata = 0, metadataMask = 0;
        int gotoTable = -1;
        foreach (OfpInstruction i in instructions)
        {
            switch (i.Type)
            {
                case OfpInstructionType.ApplyActions:
                    if (!TryToFlowActions(i.Actions, match, groupExists, allowTable: false, actionSet: false, out apply, out error))
                    {
                        return false;
                    }
                    break;
                case OfpInstructionType.WriteActions:
                    if (!TryToFlowActions(i.Actions, match, groupExists, allowTable: false, actionSet: true, out FlowAction[] set, out error))
                    {
                        return false;
                    }
                    write = new ActionList(set);
                    break;
                case OfpInstructionType.ClearActions:
                    clear = true;
                    break;
                case OfpInstructionType.WriteMetadata:
                    metadataMask = i.MetadataMask;
                    metadata = i.Metadata & i.MetadataMask;
                    break;
                case OfpInstructionType.GotoTable:
                    if (i.TableId > FlowTables.MaxTableId)
                    {
                        error = OfpError.Of(BadInstructionCode.BadTableId);
                        return false;
                    }
                    gotoTable = i.TableId;
                    break;
                default:
                    error = OfpError.Of(BadInstructionCode.UnsupInst);
                    return false;
            }
        }
        actions = new ActionList(apply, write, clear, metadata, metadataMask, gotoTable);
        error = default;
        return true;
    }

    /// <summary>
    /// The engine's actions for an OpenFlow action list. <paramref name="match"/> (null: no check) is the flow's match,
    /// which must guarantee the header each set_field writes. <paramref name="allowTable"/> admits output:TABLE
    /// (PACKET_OUT); <paramref name="actionSet"/> refuses two actions of one type (write-actions, group buckets).
    /// </summary>
    public static bool TryToFlowActions(IReadOnlyList<OfpAction> actions, OfpMatch? match, Func<uint, bool> groupExists,
        bool allowTable, bool actionSet, out FlowAction[] result, out OfpError error)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(groupExists);
        result = new FlowAction[actions.Count];
        var types = actionSet ? new HashSet<(FlowActionKind, FlowField)>() : null;
        for (int n = 0; n < actions.Count; n++)
        {
            if (!TryToFlowAction(actions[n], match, groupExists, allowTable, out result[n], out error))
            {
                return false;
            }
            FlowAction a = result[n];
            // The action-set type: one output-like action, one set_field per field (OpenFlow 1.3.5 §5.10).
            FlowActionKind kind = a.IsOutput ? FlowActionKind.Output : a.Kind;
            if (types is not null && !types.Add((kind, kind == FlowActionKind.SetField ? a.Field : default)))
            {
                error = OfpError.Of(BadActionCode.UnsupportedOrder);
                return false;
            }
        }
        error = default;
        return true;
    }

    private static bool TryToFlowAction(OfpAction a, OfpMatch? match, Func<uint, bool> groupExists, bool allowTable,
        out FlowAction result, out OfpError error)
    {
        result = default;
        error = default;
        switch (a.Type)
        {
            case OfpActionType.Output:
                return TryOutput(a, allowTable, out result, out error);
            case OfpActionType.Group:
                if (!groupExists(a.Value))
                {
                    error = OfpError.Of(BadActionCode.BadOutGroup);
                    return false;
                }
                result = new FlowAction(FlowActionKind.Group, a.Value);
                return true;
            case OfpActionType.PushVlan:
                result = new FlowAction(FlowActionKind.PushVlan, a.Value);
                return true;
            case OfpActionType.PopVlan:
                result = new FlowAction(FlowActionKind.StripVlan, 0);
                return true;
            case OfpActionType.DecNwTtl:
                result = new FlowAction(FlowActionKind.DecTtl, 0);
                return true;
            case OfpActionType.SetNwTtl:
                result = new FlowAction(FlowActionKind.SetNwTtl, a.Value);
                return true;
            case OfpActionType.SetField:
                return TrySetField(a.Field, match, out result, out error);
            default:
                error = OfpError.Of(BadActionCode.BadType);
                return false;
        }
    }

    private static bool TryOutput(OfpAction a, bool allowTable, out FlowAction result, out OfpError error)
    {
        result = default;
        error = OfpError.Of(BadActionCode.BadOutPort);
        if (a.Value == 0 || a.Value == OfpPortNo.Any || !PortMapping.TryToEngine(a.Value, out ushort port))
        {
            return false;
        }
        switch (port)
        {
            case OpenFlowPort.InPort: result = new FlowAction(FlowActionKind.InPort, 0); break;
            case OpenFlowPort.Normal: result = new FlowAction(FlowActionKind.Normal, 0); break;
            case OpenFlowPort.Flood: result = new FlowAction(FlowActionKind.Flood, 0); break;
            case OpenFlowPort.All: result = new FlowAction(FlowActionKind.All, 0); break;
            case OpenFlowPort.Controller: result = new FlowAction(FlowActionKind.Controller, a.MaxLen); break;
            case OpenFlowPort.Table:
                if (!allowTable)
                {
                    return false;
                }
                result = new FlowAction(FlowActionKind.Table, 0);
                break;
            default: result = FlowAction.Output(port); break;
        }
        error = default;
        return true;
    }

    private static bool TrySetField(OxmEntry e, OfpMatch? match, out FlowAction result, out OfpError error)
    {
        result = default;
        if (!FlowFields.IsKnown((int)e.Field) || !FlowFields.IsWritable((FlowField)(byte)e.Field))
        {
            error = OfpError.Of(BadActionCode.BadSetType);
            return false;
        }
        var field = (FlowField)(byte)e.Field;
        // The header must be there for the write to mean anything: the flow's match must require it, checked with the
        // match's own prerequisite rules (OVS refuses such a flow the same way). VLAN fields may follow a push_vlan.
        if (match is not null && field is not (FlowField.VlanVid or FlowField.VlanPcp) && !match.Contains(e.Field))
        {
            var probe = new List<OxmEntry>(match.Entries) { OxmEntry.Exact(e.Field, e.Value) };
            if (!OfpMatch.TryCreate(probe, out _, out _))
            {
                error = OfpError.Of(BadActionCode.MatchInconsistent);
                return false;
            }
        }
        UInt128 value = field == FlowField.VlanVid ? e.Value | 0x1000 : e.Value;
        result = FlowAction.SetFieldTo(field, value);
        error = default;
        return true;
    }

    /// <summary>The OpenFlow instructions of <paramref name="list"/>, in the order OpenFlow 1.3.5 §5.9 runs them.</summary>
    public static IReadOnlyList<OfpInstruction> ToInstructions(ActionList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var result = new List<OfpInstruction>(4);
        OfpAction[] apply = ToOfpActions(list.Actions);
        if (apply.Length > 0)
        {
            result.Add(OfpInstruction.ApplyActions(apply));
        }
        if (list.ClearActions)
        {
            result.Add(OfpInstruction.ClearActions());
        }
        if (list.WriteActions is { } write)
        {
            result.Add(OfpInstruction.WriteActions(ToOfpActions(write.Actions)));
        }
        if (list.MetadataMask != 0)
        {
            result.Add(OfpInstruction.WriteMetadata(list.Metadata, list.MetadataMask));
        }
        if (list.GotoTable >= 0)
        {
            result.Add(OfpInstruction.GotoTable((byte)list.GotoTable));
        }
        return result;
    }

    /// <summary>The OpenFlow actions of <paramref name="actions"/> (drop has none).</summary>
    public static OfpAction[] ToOfpActions(ReadOnlySpan<FlowAction> actions)
    {
        var result = new List<OfpAction>(actions.Length);
        foreach (FlowAction a in actions)
        {
            switch (a.Kind)
            {
                case FlowActionKind.Output: result.Add(OfpAction.Output(PortMapping.ToOpenFlow(a.Port))); break;
                case FlowActionKind.Normal: result.Add(OfpAction.Output(OfpPortNo.Normal)); break;
                case FlowActionKind.Flood: result.Add(OfpAction.Output(OfpPortNo.Flood)); break;
                case FlowActionKind.All: result.Add(OfpAction.Output(OfpPortNo.All)); break;
                case FlowActionKind.InPort: result.Add(OfpAction.Output(OfpPortNo.InPort)); break;
                case FlowActionKind.Table: result.Add(OfpAction.Output(OfpPortNo.Table)); break;
                case FlowActionKind.Controller: result.Add(OfpAction.Output(OfpPortNo.Controller, (ushort)a.Argument)); break;
                case FlowActionKind.Group: result.Add(OfpAction.Group((uint)a.Argument)); break;
                case FlowActionKind.PushVlan: result.Add(OfpAction.PushVlan((ushort)a.Argument)); break;
                case FlowActionKind.StripVlan: result.Add(OfpAction.PopVlan()); break;
                case FlowActionKind.DecTtl: result.Add(OfpAction.DecNwTtl()); break;
                case FlowActionKind.SetNwTtl: result.Add(OfpAction.SetNwTtl((byte)a.Argument)); break;
                case FlowActionKind.SetVlanVid: result.Add(SetField(OxmField.VlanVid, 0x1000 | (a.Argument & 0xfff))); break;
                case FlowActionKind.SetVlanPcp: result.Add(SetField(OxmField.VlanPcp, a.Argument & 7)); break;
                case FlowActionKind.SetDlSrc: result.Add(SetField(OxmField.EthSrc, a.Argument)); break;
                case FlowActionKind.SetDlDst: result.Add(SetField(OxmField.EthDst, a.Argument)); break;
                case FlowActionKind.SetField when MatchMapping.HasOxmForm(a.Field): result.Add(SetField((OxmField)(byte)a.Field, a.Value)); break;
                default: break; // drop
            }
        }
        return [.. result];
    }

    private static OfpAction SetField(OxmField field, UInt128 value) =>
        OfpAction.SetField(OxmEntry.Exact(field, value & OxmFieldInfo.ValueBits(field)));
}
