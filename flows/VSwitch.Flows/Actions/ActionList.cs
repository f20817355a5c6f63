namespace VSwitch.Flows.Actions;

/// <summary>
/// An immutable, ordered list of actions, executed in sequence. An empty list (or one holding only
/// <see cref="FlowActionKind.Drop"/>) drops the packet. Thread-safe (immutable); reading
/// <see cref="Actions"/> allocates nothing.
/// </summary>
public sealed class ActionList : IEquatable<ActionList>
{
    private readonly FlowAction[] _actions;

    /// <summary>Copies <paramref name="actions"/>; the caller may reuse its array afterwards.</summary>
    public ActionList(FlowAction[] actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        _actions = (FlowAction[])actions.Clone();
        bool outputs = false;
        for (int i = 0; i < _actions.Length; i++)
        {
            FlowActionKind k = _actions[i].Kind;
            outputs |= k is FlowActionKind.Output or FlowActionKind.Normal or FlowActionKind.Flood
                or FlowActionKind.All or FlowActionKind.InPort;
        }
        IsDrop = !outputs;
    }

    /// <summary>The actions in execution order.</summary>
    public ReadOnlySpan<FlowAction> Actions => _actions;

    /// <summary>Number of actions.</summary>
    public int Count => _actions.Length;

    /// <summary>True when the list sends the packet nowhere (empty, <c>drop</c>, or only header rewrites).</summary>
    public bool IsDrop { get; }

    /// <summary>True when the list is exactly <c>normal</c>.</summary>
    public bool IsNormal => _actions.Length == 1 && _actions[0].Kind == FlowActionKind.Normal;

    /// <summary>The list <c>actions=normal</c>.</summary>
    public static ActionList Normal { get; } = new([new FlowAction(FlowActionKind.Normal, 0)]);

    /// <summary>The empty list: drop.</summary>
    public static ActionList DropAll { get; } = new([]);

    /// <inheritdoc/>
    public bool Equals(ActionList? other) => other is not null && _actions.AsSpan().SequenceEqual(other._actions);

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
        return h.ToHashCode();
    }
}
