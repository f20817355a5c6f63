using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Instructions;

/// <summary>
/// Reads and writes instruction lists (OpenFlow 1.3.5 §7.2.4): each instruction at least 8 bytes, a multiple of
/// 8, inside the list, of its type's exact size; at most one of each type; goto-table only forward.
/// </summary>
internal static class InstructionCodec
{
    /// <param name="bytes">The instructions.</param>
    /// <param name="tableId">Table of the flow entry: goto-table must name a later one (§5.1).</param>
    /// <param name="instructions">The list read.</param>
    /// <param name="error">The refusal.</param>
    public static bool TryReadList(ReadOnlySpan<byte> bytes, byte tableId, out OfpInstruction[] instructions, out OfpError error)
    {
        var list = new List<OfpInstruction>();
        instructions = [];
        uint seen = 0;
        while (!bytes.IsEmpty)
        {
            if (bytes.Length < 8)
            {
                return Fail(BadInstructionCode.BadLen, out error);
            }
            var r = new WireReader(bytes);
            var type = (OfpInstructionType)r.U16();
            int length = r.U16();
            if (length < 8 || length % 8 != 0 || length > bytes.Length)
            {
                return Fail(BadInstructionCode.BadLen, out error);
            }
            if (!TryReadOne(type, bytes[..length], tableId, out OfpInstruction? instruction, out error))
            {
                return false;
            }
            // §5.9: an instruction set holds at most one instruction of each type. 1.3 has no DUP_INST code;
            // the set as written is not one the switch supports.
            uint bit = 1u << (int)type;
            if ((seen & bit) != 0)
            {
                return Fail(BadInstructionCode.UnsupInst, out error);
            }
            seen |= bit;
            list.Add(instruction);
            bytes = bytes[length..];
        }
        instructions = [.. list];
        error = default;
        return true;
    }

    private static bool TryReadOne(OfpInstructionType type, ReadOnlySpan<byte> bytes, byte tableId, out OfpInstruction instruction, out OfpError error)
    {
        instruction = OfpInstruction.ClearActions();
        error = default;
        var r = new WireReader(bytes[4..]);
        switch (type)
        {
            case OfpInstructionType.GotoTable:
                if (bytes.Length != 8)
                {
                    return Fail(BadInstructionCode.BadLen, out error);
                }
                byte next = r.U8();
                instruction = OfpInstruction.GotoTable(next);
                // §5.1: the pipeline only goes forward; OFPTT_ALL is not a table.
                return (next > tableId && next <= OfpTableId.Max) || Fail(BadInstructionCode.BadTableId, out error);
            case OfpInstructionType.WriteMetadata:
                if (bytes.Length != 24)
                {
                    return Fail(BadInstructionCode.BadLen, out error);
                }
                r.Skip(4);
                ulong metadata = r.U64();
                ulong mask = r.U64();
                instruction = OfpInstruction.WriteMetadata(metadata, mask);
                // The value must not set bits the mask does not write.
                return (metadata & ~mask) == 0 || Fail(BadInstructionCode.UnsupMetadata, out error);
            case OfpInstructionType.WriteActions or OfpInstructionType.ApplyActions:
                if (!ActionCodec.TryReadList(bytes[8..], out OfpAction[] actions, out error))
                {
                    return false;
                }
                instruction = new OfpInstruction(type, 0, 0, 0, 0, actions);
                return type == OfpInstructionType.ApplyActions || IsActionSet(actions) || FailAction(out error);
            case OfpInstructionType.ClearActions:
                return bytes.Length == 8 || Fail(BadInstructionCode.BadLen, out error);
            case OfpInstructionType.Meter:
                if (bytes.Length != 8)
                {
                    return Fail(BadInstructionCode.BadLen, out error);
                }
                instruction = OfpInstruction.Meter(r.U32());
                error = default;
                return true;
            case OfpInstructionType.Experimenter:
                return Fail(BadInstructionCode.BadExperimenter, out error);
            default:
                return Fail(BadInstructionCode.UnknownInst, out error);
        }
    }

    // §5.10: the action set holds at most one action of each type (set-field: one per field).
    private static bool IsActionSet(OfpAction[] actions)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            for (int j = i + 1; j < actions.Length; j++)
            {
                if (actions[i].Type == actions[j].Type
                    && (actions[i].Type != OfpActionType.SetField || actions[i].Field.Field == actions[j].Field.Field))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool FailAction(out OfpError error)
    {
        error = OfpError.Of(BadActionCode.UnsupportedOrder);
        return false;
    }

    private static bool Fail(BadInstructionCode code, out OfpError error)
    {
        error = OfpError.Of(code);
        return false;
    }

    public static int ListLength(IReadOnlyList<OfpInstruction> instructions)
    {
        int n = 0;
        foreach (OfpInstruction i in instructions)
        {
            n += i.WireLength;
        }
        return n;
    }

    public static void WriteList(MessageWriter w, IReadOnlyList<OfpInstruction> instructions)
    {
        foreach (OfpInstruction i in instructions)
        {
            w.U16((ushort)i.Type);
            w.U16((ushort)i.WireLength);
            switch (i.Type)
            {
                case OfpInstructionType.GotoTable:
                    w.U8(i.TableId);
                    w.Zeros(3);
                    break;
                case OfpInstructionType.WriteMetadata:
                    w.Zeros(4);
                    w.U64(i.Metadata);
                    w.U64(i.MetadataMask);
                    break;
                case OfpInstructionType.WriteActions or OfpInstructionType.ApplyActions:
                    w.Zeros(4);
                    ActionCodec.WriteList(w, i.Actions);
                    break;
                case OfpInstructionType.Meter:
                    w.U32(i.MeterId);
                    break;
                default:
                    w.Zeros(4);
                    break;
            }
        }
    }
}
