using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Actions;

/// <summary>
/// What a flow does, in the sense of ovs-ofctl's <c>actions=</c>: the OpenFlow 1.3 instructions of a flow entry
/// (OpenFlow 1.3.5 §5.9), in their execution order: the apply-actions list (<see cref="Actions"/>, executed in order),
/// clear-actions, write-actions (merged into the packet's action set), write-metadata, goto-table. A flow without
/// goto-table ends the pipeline, and the packet's action set runs. An empty list (or one holding only
/// <see cref="FlowActionKind.Drop"/>) drops the packet. Immutable and thread-safe; reading <see cref="Actions"/>
/// allocates nothing.
/// </summary>
public sealed class ActionList : IEquatable<ActionList>
{
    private readonly FlowAction[] _actions;

    /// <summary>An apply-actions list alone. Copies <paramref name="actions"/>; the caller may reuse its array afterwards.</summary>
    public ActionList(FlowAction[] actions)
        : this(actions, null, false, 0, 0, -1)
    {
    }

    /// <summary>A full instruction set. Copies <paramref name="actions"/>.</summary>
    /// <param name="actions">Apply-actions, in order.</param>
    /// <param name="writeActions">Write-actions (an action set: at most one action of each type, one set_field per field), or null.</param>
    /// <param name="clearActions">Clear-actions.</param>
    /// <param name="metadata">Write-metadata value (bits outside <paramref name="metadataMask"/> must be 0).</param>
    /// <param name="metadataMask">Write-metadata mask; 0 = no write-metadata instruction.</param>
    /// <param name="gotoTable">Goto-table target, or -1.</param>
    /// <exception cref="ArgumentException">The metadata value has bits outside the mask, or the goto target is not a table id.</exception>
    public ActionList(FlowAction[] actions, ActionList? writeActions, bool clearActions, ulong metadata, ulong metadataMask, int gotoTable)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if ((metadata & ~metadataMask) != 0)
        {
            throw new ArgumentException("write_metadata sets bits outside its mask", nameof(metadata));
        }
        if (gotoTable is < -1 or > FlowTables.MaxTableId)
        {
            throw new ArgumentOutOfRangeException(nameof(gotoTable), gotoTable, $"goto_table must name a table 0..{FlowTables.MaxTableId}");
        }
        _actions = (FlowAction[])actions.Clone();
        WriteActions = writeActions;
        ClearActions = clearActions;
        Metadata = metadata;
        MetadataMask = metadataMask;
        GotoTable = gotoTable;
        bool outputs = false;
        for (int i = 0; i < _actions.Length; i++)
        {
            outputs |= _actions[i].IsOutput || _actions[i].Kind == FlowActionKind.Group;
        }
        IsDrop = !outputs && writeActions is null && gotoTable < 0;
    }

    /// <summary>The apply-actions, in execution order.</summary>
    public ReadOnlySpan<FlowAction> Actions => _actions;

    /// <summary>Number of apply-actions.</summary>
    public int Count => _actions.Length;

    /// <summary>The write-actions instruction's action set, or null when the flow has none.</summary>
    public ActionList? WriteActions { get; }

    /// <summary>True when the flow clears the packet's action set (before its write-actions).</summary>
    public bool ClearActions { get; }

    /// <summary>The value write-metadata writes under <see cref="MetadataMask"/>.</summary>
    public ulong Metadata { get; }

    /// <summary>The bits write-metadata writes; 0 when the flow has no write-metadata.</summary>
    public ulong MetadataMask { get; }

    /// <summary>The table goto-table continues in, or -1 when the pipeline ends here.</summary>
    public int GotoTable { get; }

    /// <summary>True when the flow has instructions beyond apply-actions.</summary>
    public bool HasInstructions => WriteActions is not null || ClearActions || MetadataMask != 0 || GotoTable >= 0;

    /// <summary>
    /// True when the flow sends the packet nowhere and ends the pipeline with nothing to run: no output or group in its
    /// apply-actions, no write-actions, no goto-table (it may still clear the action set).
    /// </summary>
    public bool IsDrop { get; }

    /// <summary>True when the list is exactly <c>normal</c>.</summary>
    public bool IsNormal => _actions.Length == 1 && _actions[0].Kind == FlowActionKind.Normal && !HasInstructions;

    /// <summary>The list <c>actions=normal</c>.</summary>
    public static ActionList Normal { get; } = new([new FlowAction(FlowActionKind.Normal, 0)]);

    /// <summary>The empty list: drop.</summary>
    public static ActionList DropAll { get; } = new([]);

    /// <summary>
    /// True when some action (apply or write) outputs to <paramref name="port"/> (an OpenFlow port number, reserved
    /// numbers included, see <see cref="FlowAction.OutputPort"/>): the out_port filter of OpenFlow 1.3.5 §7.3.4.2.
    /// </summary>
    public bool OutputsTo(ushort port)
    {
        foreach (FlowAction a in _actions)
        {
            if (a.IsOutput && a.OutputPort == port)
            {
                return true;
            }
        }
        return WriteActions?.OutputsTo(port) == true;
    }

    /// <summary>True when some action (apply or write) applies group <paramref name="groupId"/> (the out_group filter).</summary>
    public bool UsesGroup(uint groupId)
    {
        foreach (FlowAction a in _actions)
        {
            if (a.Kind == FlowActionKind.Group && a.Argument == groupId)
            {
                return true;
            }
        }
        return WriteActions?.UsesGroup(groupId) == true;
    }

    /// <summary>Every group the flow applies (apply and write actions).</summary>
    public IEnumerable<uint> Groups()
    {
        foreach (FlowAction a in _actions)
        {
            if (a.Kind == FlowActionKind.Group)
            {
                yield return (uint)a.Argument;
            }
        }
        if (WriteActions is not null)
        {
            foreach (uint g in WriteActions.Groups())
            {
                yield return g;
            }
        }
    }

    /// <inheritdoc/>
    public bool Equals(ActionList? other) =>
        other is not null && _actions.AsSpan().SequenceEqual(other._actions) && Equals(WriteActions, other.WriteActions)
        && ClearActions == other.ClearActions && Metadata == other.Metadata && MetadataMask == other.MetadataMask
        && GotoTable == other.GotoTable;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ActionList);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        HashCode h = default;
        foreach (FlowAction a in _actions)
        {
            h.Add(a);
        }
        h.Add(WriteActions);
        h.Add(ClearActions);
        h.Add(Metadata);
        h.Add(MetadataMask);
        h.Add(GotoTable);
        return h.ToHashCode();
    }
}
