using VSwitch.Flows.Actions;
using VSwitch.Flows.Keys;

namespace VSwitch.Flows.Translation;

/// <summary>
/// A packet's action set while it walks the tables (OpenFlow 1.3.5 §5.10): at most one action of each type, one
/// set_field per field; write-actions merges into it (an action of a type already present replaces it),
/// clear-actions empties it, and at the end of the pipeline it runs in the order the specification fixes, which
/// <see cref="CopyInOrder"/> produces. Owned by one <see cref="FlowTranslator"/>; fixed arrays, no allocation after
/// construction.
/// </summary>
internal sealed class ActionSet
{
    private const int FieldSlots = 64;

    private readonly FlowAction[] _sets = new FlowAction[FieldSlots];
    private ulong _setBits;
    private bool _pop;
    private FlowAction _push;
    private bool _hasPush;
    private bool _decTtl;
    private FlowAction _setTtl;
    private bool _hasSetTtl;
    private FlowAction _group;
    private bool _hasGroup;
    private FlowAction _output;
    private bool _hasOutput;

    /// <summary>True when the set holds nothing.</summary>
    public bool IsEmpty => _setBits == 0 && !_pop && !_hasPush && !_decTtl && !_hasSetTtl && !_hasGroup && !_hasOutput;

    /// <summary>Empties the set (clear-actions, or a new packet).</summary>
    public void Clear()
    {
        _setBits = 0;
        _pop = _hasPush = _decTtl = _hasSetTtl = _hasGroup = _hasOutput = false;
    }

    /// <summary>Merges <paramref name="actions"/>' apply list (write-actions), each replacing the action of its type.</summary>
    public void Merge(ActionList actions)
    {
        foreach (FlowAction a in actions.Actions)
        {
            Add(a);
        }
    }

    /// <summary>Adds one action, replacing the one of its type.</summary>
    public void Add(in FlowAction a)
    {
        switch (a.Kind)
        {
            case FlowActionKind.StripVlan:
                _pop = true;
                break;
            case FlowActionKind.PushVlan:
                _push = a;
                _hasPush = true;
                break;
            case FlowActionKind.DecTtl:
                _decTtl = true;
                break;
            case FlowActionKind.SetNwTtl:
                _setTtl = a;
                _hasSetTtl = true;
                break;
            case FlowActionKind.Group:
                _group = a;
                _hasGroup = true;
                break;
            case FlowActionKind.Drop:
                break;
            default:
                if (a.IsOutput)
                {
                    _output = a;
                    _hasOutput = true;
                }
                else
                {
                    int slot = SetSlot(a);
                    _sets[slot] = a;
                    _setBits |= 1UL << slot;
                }
                break;
        }
    }

    /// <summary>
    /// Writes the set to <paramref name="target"/> in execution order (§5.10): pop, push, decrement TTL, the sets
    /// (TTL, then fields in field order), then the group, or the output when there is no group. Returns the count.
    /// </summary>
    public int CopyInOrder(Span<FlowAction> target)
    {
        int n = 0;
        if (_pop)
        {
            target[n++] = new FlowAction(FlowActionKind.StripVlan, 0);
        }
        if (_hasPush)
        {
            target[n++] = _push;
        }
        if (_decTtl)
        {
            target[n++] = new FlowAction(FlowActionKind.DecTtl, 0);
        }
        if (_hasSetTtl)
        {
            target[n++] = _setTtl;
        }
        ulong bits = _setBits;
        while (bits != 0)
        {
            int slot = System.Numerics.BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            target[n++] = _sets[slot];
        }
        if (_hasGroup)
        {
            target[n++] = _group;
        }
        else if (_hasOutput)
        {
            target[n++] = _output;
        }
        return n;
    }

    /// <summary>Largest number of actions <see cref="CopyInOrder"/> can write.</summary>
    public const int MaxActions = FieldSlots + 6;

    // A set-type action's slot: its field; the OpenFlow 1.0 spellings share their field's slot.
    private static int SetSlot(in FlowAction a) => a.Kind switch
    {
        FlowActionKind.SetVlanVid => (int)FlowField.VlanVid,
        FlowActionKind.SetVlanPcp => (int)FlowField.VlanPcp,
        FlowActionKind.SetDlSrc => (int)FlowField.EthSrc,
        FlowActionKind.SetDlDst => (int)FlowField.EthDst,
        _ => (int)a.Field & (FieldSlots - 1),
    };
}
