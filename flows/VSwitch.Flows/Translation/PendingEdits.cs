using VSwitch.Flows.Keys;

namespace VSwitch.Flows.Translation;

/// <summary>
/// Header edits a translation has seen but not yet written out: they are emitted only in front of the next output, and
/// folded on the way, so a pipeline that pushes a VLAN tag in one table and pops it in a later one (the shape Faucet
/// installs) costs the datapath nothing: push then pop cancel, a VLAN id or priority set on a tag that is then popped
/// vanishes with it, a field set twice keeps its last value. Field sets other than the VLAN ones touch independent
/// bytes and are emitted in field order after the VLAN edits. Owned by one <see cref="FlowTranslator"/>; fixed arrays.
/// </summary>
internal sealed class PendingEdits
{
    private const int MaxVlanEdits = 16;
    private const int FieldSlots = 64;

    private readonly DpOp[] _vlan = new DpOp[MaxVlanEdits];
    private readonly UInt128[] _values = new UInt128[FieldSlots];
    private int _vlanCount;
    private ulong _fieldBits;

    /// <summary>True when nothing is pending.</summary>
    public bool IsEmpty => _vlanCount == 0 && _fieldBits == 0;

    /// <summary>Forgets everything pending.</summary>
    public void Clear()
    {
        _vlanCount = 0;
        _fieldBits = 0;
    }

    /// <summary>Records a VLAN edit, folding it into the ones before; false when too many are pending.</summary>
    public bool AddVlan(DpOp op)
    {
        switch (op.Kind)
        {
            case DpOpKind.PopVlan:
                // A VID or PCP set on the tag being popped is lost with it.
                while (_vlanCount > 0 && _vlan[_vlanCount - 1].Kind is DpOpKind.SetVlanVid or DpOpKind.SetVlanPcp)
                {
                    _vlanCount--;
                }
                if (_vlanCount > 0 && _vlan[_vlanCount - 1].Kind == DpOpKind.PushVlan)
                {
                    _vlanCount--;
                    return true;
                }
                break;
            case DpOpKind.SetVlanVid or DpOpKind.SetVlanPcp:
                for (int i = _vlanCount - 1; i >= 0 && _vlan[i].Kind is DpOpKind.SetVlanVid or DpOpKind.SetVlanPcp; i--)
                {
                    if (_vlan[i].Kind == op.Kind)
                    {
                        _vlan[i] = op;
                        return true;
                    }
                }
                break;
        }
        if (_vlanCount == MaxVlanEdits)
        {
            return false;
        }
        _vlan[_vlanCount++] = op;
        return true;
    }

    /// <summary>Records a field set (not VLAN); a later set of the same field replaces it.</summary>
    public void SetField(FlowField field, UInt128 value)
    {
        int slot = (int)field & (FieldSlots - 1);
        _values[slot] = value;
        _fieldBits |= 1UL << slot;
    }

    /// <summary>Number of ops <see cref="Flush"/> would write.</summary>
    public int Count => _vlanCount + System.Numerics.BitOperations.PopCount(_fieldBits);

    /// <summary>Writes the pending edits to <paramref name="target"/> and clears them; returns how many.</summary>
    public int Flush(Span<DpOp> target)
    {
        int n = 0;
        for (int i = 0; i < _vlanCount; i++)
        {
            target[n++] = _vlan[i];
        }
        ulong bits = _fieldBits;
        while (bits != 0)
        {
            int slot = System.Numerics.BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            target[n++] = DpOp.SetField((FlowField)slot, _values[slot]);
        }
        Clear();
        return n;
    }
}
