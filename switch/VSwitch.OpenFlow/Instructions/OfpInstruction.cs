using VSwitch.OpenFlow.Actions;

namespace VSwitch.OpenFlow.Instructions;

/// <summary>
/// One OpenFlow 1.3 instruction, decoded and checked for syntax. Which fields matter depends on
/// <see cref="Type"/>; the others are zero or empty. Immutable.
/// </summary>
/// <param name="Type">Instruction type.</param>
/// <param name="TableId">Target of <see cref="OfpInstructionType.GotoTable"/>.</param>
/// <param name="Metadata">Value of <see cref="OfpInstructionType.WriteMetadata"/>.</param>
/// <param name="MetadataMask">Mask of <see cref="OfpInstructionType.WriteMetadata"/>.</param>
/// <param name="MeterId">Meter of <see cref="OfpInstructionType.Meter"/>.</param>
/// <param name="Actions">Actions of write-actions and apply-actions.</param>
public sealed record OfpInstruction(OfpInstructionType Type, byte TableId, ulong Metadata, ulong MetadataMask, uint MeterId,
    IReadOnlyList<OfpAction> Actions)
{
    /// <summary>Continue in table <paramref name="tableId"/>.</summary>
    public static OfpInstruction GotoTable(byte tableId) => new(OfpInstructionType.GotoTable, tableId, 0, 0, 0, []);

    /// <summary>Write <paramref name="metadata"/> under <paramref name="mask"/>.</summary>
    public static OfpInstruction WriteMetadata(ulong metadata, ulong mask) => new(OfpInstructionType.WriteMetadata, 0, metadata, mask, 0, []);

    /// <summary>Apply <paramref name="actions"/> now, in order.</summary>
    public static OfpInstruction ApplyActions(params OfpAction[] actions) => new(OfpInstructionType.ApplyActions, 0, 0, 0, 0, actions);

    /// <summary>Merge <paramref name="actions"/> into the action set.</summary>
    public static OfpInstruction WriteActions(params OfpAction[] actions) => new(OfpInstructionType.WriteActions, 0, 0, 0, 0, actions);

    /// <summary>Empty the action set.</summary>
    public static OfpInstruction ClearActions() => new(OfpInstructionType.ClearActions, 0, 0, 0, 0, []);

    /// <summary>Meter the packet with <paramref name="meterId"/>.</summary>
    public static OfpInstruction Meter(uint meterId) => new(OfpInstructionType.Meter, 0, 0, 0, meterId, []);

    /// <summary>Size on the wire.</summary>
    public int WireLength => Type switch
    {
        OfpInstructionType.WriteMetadata => 24,
        OfpInstructionType.WriteActions or OfpInstructionType.ApplyActions => 8 + ActionCodec.ListLength(Actions),
        _ => 8,
    };

    /// <summary>Same type, arguments and actions (element by element).</summary>
    public bool Equals(OfpInstruction? other) =>
        other is not null && Type == other.Type && TableId == other.TableId && Metadata == other.Metadata
        && MetadataMask == other.MetadataMask && MeterId == other.MeterId && Actions.SequenceEqual(other.Actions);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, TableId, Metadata, MetadataMask, MeterId, Actions.Count);

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        OfpInstructionType.GotoTable => $"goto_table:{TableId}",
        OfpInstructionType.WriteMetadata => $"write_metadata:{Metadata:x}/{MetadataMask:x}",
        OfpInstructionType.ApplyActions => $"apply_actions({string.Join(",", Actions)})",
        OfpInstructionType.WriteActions => $"write_actions({string.Join(",", Actions)})",
        OfpInstructionType.Meter => $"meter:{MeterId}",
        _ => Type.ToString(),
    };
}
