using System.Runtime.CompilerServices;
using VSwitch.Flows.Classifier;
using VSwitch.Flows.Groups;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Translation;

/// <summary>
/// An immutable snapshot of the OpenFlow pipeline the datapath runs: one <see cref="TableClassifier"/> per non-empty
/// table, the groups, the shared table counters and the settings, tagged with the <see cref="FlowTables.Generation"/>
/// it was built from. Datapath threads translate packets through it (<see cref="FlowTranslator"/>) and cache the
/// results under its generation; publishing a new pipeline retires every cached translation.
/// Thread rules: immutable and thread-safe. Cost: finding a table or a group allocates nothing.
/// </summary>
public sealed class FlowPipeline
{
    private readonly TableClassifier?[] _tables;
    private readonly Dictionary<uint, FlowGroup> _groups;

    internal FlowPipeline(TableClassifier?[] tables, IReadOnlyList<FlowGroup> groups, PipelineSettings settings, long generation)
    {
        _tables = tables;
        _groups = groups.ToDictionary(g => g.Id);
        Settings = settings;
        Generation = generation;
        int rules = 0;
        foreach (TableClassifier? t in tables)
        {
            rules += t?.RuleCount ?? 0;
        }
        RuleCount = rules;
    }

    /// <summary>The <see cref="FlowTables.Generation"/> this pipeline was built from; cached translations carry it.</summary>
    public long Generation { get; }

    /// <summary>Flows in every table.</summary>
    public int RuleCount { get; }

    /// <summary>Invalid-TTL handling.</summary>
    public PipelineSettings Settings { get; }

    /// <summary>Number of groups.</summary>
    public int GroupCount => _groups.Count;

    /// <summary>The classifier of table <paramref name="tableId"/>, or null when the table is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TableClassifier? Table(int tableId) => (uint)tableId < (uint)_tables.Length ? _tables[tableId] : null;

    /// <summary>Group <paramref name="id"/>, or null.</summary>
    public FlowGroup? FindGroup(uint id) => _groups.GetValueOrDefault(id);
}
