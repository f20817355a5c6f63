using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Actions;

/// <summary>
/// Reads and writes action lists. Every action has a length that is at least 8, a multiple of 8 and inside the
/// list (OpenFlow 1.3.5 §7.2.5), and the exact size its type has; a violation is BAD_ACTION with the code the spec
/// names for it.
/// </summary>
internal static class ActionCodec
{
    public static bool TryReadList(ReadOnlySpan<byte> bytes, out OfpAction[] actions, out OfpError error)
    {
        var list = new List<OfpAction>();
        actions = [];
        while (!bytes.IsEmpty)
        {
            if (bytes.Length < 8)
            {
                error = OfpError.Of(BadActionCode.BadLen);
                return false;
            }
            var r = new WireReader(bytes);
            var type = (OfpActionType)r.U16();
            int length = r.U16();
            if (length < 8 || length % 8 != 0 || length > bytes.Length)
            {
                error = OfpError.Of(BadActionCode.BadLen);
                return false;
            }
            if (!TryReadOne(type, bytes[..length], out OfpAction action, out error))
            {
                return false;
            }
            list.Add(action);
            bytes = bytes[length..];
        }
        actions = [.. list];
        error = default;
        return true;
    }

    private static bool TryReadOne(OfpActionType type, ReadOnlySpan<byte> bytes, out OfpAction action, out OfpError error)
    {
        action = default;
        var r = new WireReader(bytes[4..]);
        int expected = type switch
        {
            OfpActionType.Output => 16,
            OfpActionType.SetField or OfpActionType.Experimenter => bytes.Length,
            _ => 8,
        };
        if (!Enum.IsDefined(type))
        {
            error = OfpError.Of(BadActionCode.BadType);
            return false;
        }
        if (bytes.Length != expected)
        {
            error = OfpError.Of(BadActionCode.BadLen);
            return false;
        }
        error = default;
        switch (type)
        {
            case OfpActionType.Output:
                uint port = r.U32();
                action = OfpAction.Output(port, r.U16());
                return IsOutputPort(port) || Fail(BadActionCode.BadOutPort, out error);
            case OfpActionType.SetMplsTtl or OfpActionType.SetNwTtl:
                action = new OfpAction(type, r.U8(), 0, default);
                return true;
            case OfpActionType.PushVlan or OfpActionType.PushMpls or OfpActionType.PushPbb or OfpActionType.PopMpls:
                ushort etherType = r.U16();
                action = new OfpAction(type, etherType, 0, default);
                return IsPushEtherType(type, etherType) || Fail(BadActionCode.BadArgument, out error);
            case OfpActionType.SetQueue:
                action = OfpAction.SetQueue(r.U32());
                return true;
            case OfpActionType.Group:
                uint group = r.U32();
                action = OfpAction.Group(group);
                // §7.2.5: the group id names a real group; the reserved ids are not groups.
                return group <= OfpGroupId.Max || Fail(BadActionCode.BadOutGroup, out error);
            case OfpActionType.SetField:
                return TryReadSetField(bytes[4..], out action, out error);
            case OfpActionType.Experimenter:
                return Fail(BadActionCode.BadExperimenter, out error);
            default:
                action = OfpAction.Simple(type);
                return true;
        }
    }

    // §7.2.5 ofp_action_set_field: one OXM TLV without mask, the action padded to a multiple of 8.
    private static bool TryReadSetField(ReadOnlySpan<byte> body, out OfpAction action, out OfpError error)
    {
        action = default;
        if (!OxmCodec.TryRead(body, out OxmEntry e, out int used, out OfpError oxmError))
        {
            error = oxmError.Code == (ushort)BadMatchCode.BadField ? OfpError.Of(BadActionCode.BadSetType)
                : oxmError.Code == (ushort)BadMatchCode.BadMask ? OfpError.Of(BadActionCode.BadSetArgument)
                : OfpError.Of(BadActionCode.BadSetLen);
            return false;
        }
        if (((4 + used + 7) & ~7) != body.Length + 4)
        {
            return Fail(BadActionCode.BadSetLen, out error);
        }
        if (e.HasMask || (e.Value & ~OxmFieldInfo.ValueBits(e.Field)) != 0)
        {
            return Fail(BadActionCode.BadSetArgument, out error);
        }
        if (!OxmFieldInfo.IsWritable(e.Field))
        {
            return Fail(BadActionCode.BadSetType, out error);
        }
        action = OfpAction.SetField(e);
        error = default;
        return true;
    }

    // §7.2.1: a real port 1..OFPP_MAX or a reserved port an output may name (not ANY, not 0).
    private static bool IsOutputPort(uint port) =>
        OfpPortNo.IsStandard(port) || port is OfpPortNo.InPort or OfpPortNo.Table or OfpPortNo.Normal or OfpPortNo.Flood
            or OfpPortNo.All or OfpPortNo.Controller or OfpPortNo.Local;

    // §7.2.5: push-VLAN takes 0x8100 or 0x88a8, push-MPLS 0x8847 or 0x8848, push-PBB 0x88e7.
    private static bool IsPushEtherType(OfpActionType type, ushort etherType) => type switch
    {
        OfpActionType.PushVlan => etherType is 0x8100 or 0x88a8,
        OfpActionType.PushMpls => etherType is 0x8847 or 0x8848,
        OfpActionType.PushPbb => etherType == 0x88e7,
        _ => true,
    };

    private static bool Fail(BadActionCode code, out OfpError error)
    {
        error = OfpError.Of(code);
        return false;
    }

    public static int ListLength(IReadOnlyList<OfpAction> actions)
    {
        int n = 0;
        foreach (OfpAction a in actions)
        {
            n += a.WireLength;
        }
        return n;
    }

    public static void WriteList(MessageWriter w, IReadOnlyList<OfpAction> actions)
    {
        foreach (OfpAction a in actions)
        {
            Write(w, a);
        }
    }

    private static void Write(MessageWriter w, in OfpAction a)
    {
        int start = w.Length;
        w.U16((ushort)a.Type);
        w.U16((ushort)a.WireLength);
        switch (a.Type)
        {
            case OfpActionType.Output:
                w.U32(a.Value);
                w.U16(a.MaxLen);
                w.Zeros(6);
                break;
            case OfpActionType.SetMplsTtl or OfpActionType.SetNwTtl:
                w.U8((byte)a.Value);
                w.Zeros(3);
                break;
            case OfpActionType.PushVlan or OfpActionType.PushMpls or OfpActionType.PushPbb or OfpActionType.PopMpls:
                w.U16((ushort)a.Value);
                w.Zeros(2);
                break;
            case OfpActionType.SetQueue or OfpActionType.Group:
                w.U32(a.Value);
                break;
            case OfpActionType.SetField:
                OxmCodec.Write(w, a.Field);
                w.PadTo8(start);
                break;
            default:
                w.Zeros(4);
                break;
        }
    }
}
