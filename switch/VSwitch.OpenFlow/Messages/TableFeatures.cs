using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;

namespace VSwitch.OpenFlow.Messages;

/// <summary>
/// A TABLE_FEATURES entry (<c>struct ofp_table_features</c> and its properties, OpenFlow 1.3.5 §7.3.5.5): what
/// one table matches, which instructions and actions it takes, which tables it may go to. The "miss" lists
/// describe the table-miss flow; null means the same as the regular list (the encoder writes both, as OVS does).
/// </summary>
/// <param name="TableId">Table.</param>
/// <param name="Name">Name (up to 31 ASCII characters).</param>
/// <param name="MetadataMatch">Metadata bits the table can match.</param>
/// <param name="MetadataWrite">Metadata bits write-metadata can write.</param>
/// <param name="Config">Reserved config bits.</param>
/// <param name="MaxEntries">Largest number of flows.</param>
public sealed record TableFeatures(byte TableId, string Name, ulong MetadataMatch, ulong MetadataWrite, uint Config, uint MaxEntries) : MultipartItem
{
    /// <summary>Instructions the table's flows may use (OFPTFPT_INSTRUCTIONS).</summary>
    public IReadOnlyList<OfpInstructionType> Instructions { get; init; } = [];

    /// <summary>Instructions of the table-miss flow (OFPTFPT_INSTRUCTIONS_MISS).</summary>
    public IReadOnlyList<OfpInstructionType>? InstructionsMiss { get; init; }

    /// <summary>Tables goto-table may name (OFPTFPT_NEXT_TABLES).</summary>
    public IReadOnlyList<byte> NextTables { get; init; } = [];

    /// <summary>Tables the table-miss flow may go to (OFPTFPT_NEXT_TABLES_MISS).</summary>
    public IReadOnlyList<byte>? NextTablesMiss { get; init; }

    /// <summary>Actions write-actions may use (OFPTFPT_WRITE_ACTIONS).</summary>
    public IReadOnlyList<OfpActionType> WriteActions { get; init; } = [];

    /// <summary>Write-actions of the table-miss flow (OFPTFPT_WRITE_ACTIONS_MISS).</summary>
    public IReadOnlyList<OfpActionType>? WriteActionsMiss { get; init; }

    /// <summary>Actions apply-actions may use (OFPTFPT_APPLY_ACTIONS).</summary>
    public IReadOnlyList<OfpActionType> ApplyActions { get; init; } = [];

    /// <summary>Apply-actions of the table-miss flow (OFPTFPT_APPLY_ACTIONS_MISS).</summary>
    public IReadOnlyList<OfpActionType>? ApplyActionsMiss { get; init; }

    /// <summary>Fields the table matches, with maskability (OFPTFPT_MATCH).</summary>
    public IReadOnlyList<OxmFieldSupport> Match { get; init; } = [];

    /// <summary>Fields that may be wildcarded (OFPTFPT_WILDCARDS).</summary>
    public IReadOnlyList<OxmField> Wildcards { get; init; } = [];

    /// <summary>Fields set-field may write in write-actions (OFPTFPT_WRITE_SETFIELD).</summary>
    public IReadOnlyList<OxmField> WriteSetfield { get; init; } = [];

    /// <summary>Write set-fields of the table-miss flow (OFPTFPT_WRITE_SETFIELD_MISS).</summary>
    public IReadOnlyList<OxmField>? WriteSetfieldMiss { get; init; }

    /// <summary>Fields set-field may write in apply-actions (OFPTFPT_APPLY_SETFIELD).</summary>
    public IReadOnlyList<OxmField> ApplySetfield { get; init; } = [];

    /// <summary>Apply set-fields of the table-miss flow (OFPTFPT_APPLY_SETFIELD_MISS).</summary>
    public IReadOnlyList<OxmField>? ApplySetfieldMiss { get; init; }
}
