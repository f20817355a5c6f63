using VSwitch.Flows.Actions;
using VSwitch.Flows.Classifier;
using VSwitch.Flows.Groups;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Translation;

/// <summary>
/// Translates a packet's walk through the OpenFlow tables into one list of datapath ops (OVS's <c>xlate_actions</c>):
/// table after table it looks the working key up, runs apply-actions, keeps the action set, writes metadata, follows
/// goto-table, and at the end runs the action set. What it produces is valid for every packet that agrees with this one
/// on the bits of <see cref="Mask"/> (the megaflow), so the datapath caches it and the per-packet cost no longer depends
/// on how many tables the packet went through.
/// Design note: the mask is the union of the masks of every classifier hash table searched, plus the VLAN fields
/// whenever a tag is pushed or popped (the key's tags shift between fields) and the header-presence bits a set_field
/// or dec_ttl looked at. That is conservative: a bit in the mask that did not matter only makes the megaflow narrower.
/// Header edits are folded by <see cref="PendingEdits"/> and written only in front of the outputs that see them;
/// group buckets that edit headers run in a <see cref="DpOpKind.Clone"/> scope so their edits stay with their copy.
/// Counting: every table looked up, every flow and group bucket hit becomes a <see cref="FlowCredit"/>.
/// Thread rules: one instance per datapath thread (and one for the control thread's PACKET_OUTs); fixed buffers, no
/// allocation, no exceptions. A walk that needs more than <see cref="MaxOps"/> ops or <see cref="MaxCredits"/>
/// credits fails (<see cref="Translate"/> returns false) and its packet is dropped.
/// </summary>
public sealed class FlowTranslator
{
    /// <summary>Most ops one translated flow may have.</summary>
    public const int MaxOps = 128;

    /// <summary>Most counters one translated flow may credit.</summary>
    public const int MaxCredits = 128;

    private const byte ReasonNoMatch = 0;
    private const byte ReasonAction = 1;
    private const byte ReasonInvalidTtl = 2;

    private readonly DpOp[] _ops = new DpOp[MaxOps];
    private readonly FlowCredit[] _credits = new FlowCredit[MaxCredits];
    private readonly PendingEdits _pending = new();
    private readonly ActionSet _set = new();
    private readonly ActionSet _bucketSet = new();
    private readonly FlowAction[] _ordered = new FlowAction[ActionSet.MaxActions];
    private readonly FlowAction[] _bucketOrdered = new FlowAction[ActionSet.MaxActions];
    private FlowPipeline _pipeline = null!;
    private FlowKey _key;
    private FlowMask _mask;
    private int _opCount;
    private int _creditCount;
    private bool _overflow;
    private FlowEnd _end;

    /// <summary>The ops of the last translation.</summary>
    public ReadOnlySpan<DpOp> Ops => _ops.AsSpan(0, _opCount);

    /// <summary>The counters the last translation's packets credit.</summary>
    public ReadOnlySpan<FlowCredit> Credits => _credits.AsSpan(0, _creditCount);

    /// <summary>The key bits the last translation depended on.</summary>
    public ref readonly FlowMask Mask => ref _mask;

    /// <summary>How the last translation ended.</summary>
    public FlowEnd End => _end;

    /// <summary>
    /// Walks <paramref name="pipeline"/> from table <paramref name="firstTable"/> for a packet with key
    /// <paramref name="ingress"/>. Returns false when the flow is too complex to represent (see the type's note).
    /// Owning thread only.
    /// </summary>
    public bool Translate(FlowPipeline pipeline, in FlowKey ingress, byte firstTable = 0)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        Begin(pipeline, in ingress);
        RunTables(firstTable);
        return !_overflow;
    }

    /// <summary>
    /// Translates a PACKET_OUT's action list for a packet with key <paramref name="ingress"/>: the actions apply in order,
    /// and <see cref="FlowActionKind.Table"/> runs the tables from table 0 (on a copy when actions follow it).
    /// </summary>
    public bool TranslateActions(FlowPipeline pipeline, in FlowKey ingress, ReadOnlySpan<FlowAction> actions)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        Begin(pipeline, in ingress);
        for (int i = 0; i < actions.Length && !_overflow; i++)
        {
            if (actions[i].Kind == FlowActionKind.Table)
            {
                int scope = BeginScope(scoped: i < actions.Length - 1, out FlowKey saved);
                RunTables(0);
                EndScope(scope, in saved);
            }
            else
            {
                Execute(actions[i], null, 0);
            }
        }
        return !_overflow;
    }

    private void Begin(FlowPipeline pipeline, in FlowKey ingress)
    {
        _pipeline = pipeline;
        _key = ingress;
        _mask = default;
        _opCount = 0;
        _creditCount = 0;
        _overflow = false;
        _end = FlowEnd.Completed;
        _pending.Clear();
        _set.Clear();
    }

    private void RunTables(byte table)
    {
        _set.Clear();
        while (!_overflow)
        {
            TableClassifier? classifier = _pipeline.Table(table);
            FlowRule? rule = classifier?.Lookup(in _key, ref _mask);
            Credit(new FlowCredit(null, table, rule is not null));
            if (rule is null)
            {
                // OpenFlow 1.3.5 §5.4: without a table-miss flow an unmatched packet is dropped; its action set does not run.
                _end = FlowEnd.TableMiss;
                return;
            }
            Credit(new FlowCredit(rule.Counters, table, true));
            ActionList a = rule.Actions;
            // §5.9: apply-actions, clear-actions, write-actions, write-metadata, goto-table, in that order.
            foreach (FlowAction action in a.Actions)
            {
                Execute(action, rule, table);
            }
            if (a.ClearActions)
            {
                _set.Clear();
            }
            if (a.WriteActions is not null)
            {
                _set.Merge(a.WriteActions);
            }
            if (a.MetadataMask != 0)
            {
                _key.Metadata = (_key.Metadata & ~a.MetadataMask) | (a.Metadata & a.MetadataMask);
            }
            if (a.GotoTable < 0)
            {
                int n = _set.CopyInOrder(_ordered);
                for (int i = 0; i < n; i++)
                {
                    Execute(_ordered[i], rule, table);
                }
                return;
            }
            table = (byte)a.GotoTable;
        }
    }

    private void Execute(in FlowAction a, FlowRule? rule, byte table)
    {
        switch (a.Kind)
        {
            case FlowActionKind.Output:
                Emit(DpOp.Output(a.Port), flush: true);
                break;
            case FlowActionKind.InPort:
                Emit(DpOp.Simple(DpOpKind.InPort), flush: true);
                break;
            case FlowActionKind.Flood:
                Emit(DpOp.Simple(DpOpKind.Flood), flush: true);
                break;
            case FlowActionKind.All:
                Emit(DpOp.Simple(DpOpKind.All), flush: true);
                break;
            case FlowActionKind.Normal:
                Emit(DpOp.Simple(DpOpKind.Normal), flush: true);
                break;
            case FlowActionKind.Controller:
                // §7.4.1: a table-miss flow's packets go up with reason NO_MATCH, other flows' with ACTION.
                Emit(DpOp.Controller((ushort)a.Argument, rule is { IsTableMiss: true } ? ReasonNoMatch : ReasonAction,
                    rule is null ? (byte)0xff : table, rule?.Cookie ?? ulong.MaxValue, _key.Metadata), flush: true);
                break;
            case FlowActionKind.Group:
                ApplyGroup((uint)a.Argument);
                break;
            case FlowActionKind.StripVlan:
                PopVlan();
                break;
            case FlowActionKind.PushVlan:
                PushVlan((ushort)a.Argument);
                break;
            case FlowActionKind.SetVlanVid:
                ModVlan(DpOpKind.ModVlanVid, (ushort)(a.Argument & 0xfff));
                break;
            case FlowActionKind.SetVlanPcp:
                ModVlan(DpOpKind.ModVlanPcp, (ushort)(a.Argument & 7));
                break;
            case FlowActionKind.SetDlSrc:
                SetField(FlowField.EthSrc, a.Argument);
                break;
            case FlowActionKind.SetDlDst:
                SetField(FlowField.EthDst, a.Argument);
                break;
            case FlowActionKind.SetField:
                SetField(a.Field, a.Value);
                break;
            case FlowActionKind.DecTtl:
                DecTtl(rule, table);
                break;
            case FlowActionKind.SetNwTtl:
                if (IsIp())
                {
                    _key.NwTtl = (byte)a.Argument;
                }
                Emit(DpOp.SetTtl((byte)a.Argument), flush: false);
                break;
        }
    }

    private void ApplyGroup(uint id)
    {
        FlowGroup? group = _pipeline.FindGroup(id);
        if (group is null)
        {
            return;
        }
        Credit(new FlowCredit(group.Counters, 0, false));
        IReadOnlyList<GroupBucket> buckets = group.Buckets;
        for (int b = 0; b < buckets.Count && !_overflow; b++)
        {
            GroupBucket bucket = buckets[b];
            Credit(new FlowCredit(bucket.Counters, 0, false));
            // Each bucket works on its own copy (§5.6.1); one that edits headers gets a clone scope, so its edits do not
            // reach later buckets or the actions after the group.
            int scope = BeginScope(Edits(bucket.Actions), out FlowKey saved);
            RunBucket(bucket.Actions);
            EndScope(scope, in saved);
        }
    }

    private void RunBucket(ActionList actions)
    {
        _bucketSet.Clear();
        _bucketSet.Merge(actions);
        int n = _bucketSet.CopyInOrder(_bucketOrdered);
        for (int i = 0; i < n; i++)
        {
            // Groups do not chain (the switch refuses a group action in a bucket), so the bucket buffers are not reused here.
            Execute(_bucketOrdered[i], null, 0);
        }
    }

    // Opens a Clone scope when scoped (pending edits written first, so the copy starts from the packet as it is now);
    // returns where its op is, or -1. EndScope puts the key back and drops what the scope left pending.
    private int BeginScope(bool scoped, out FlowKey saved)
    {
        saved = _key;
        if (!scoped)
        {
            return -1;
        }
        FlushPending();
        int at = _opCount;
        Emit(DpOp.Clone(0), flush: false);
        return at;
    }

    private void EndScope(int at, in FlowKey saved)
    {
        if (at < 0)
        {
            return;
        }
        _pending.Clear();
        _key = saved;
        if (!_overflow)
        {
            _ops[at] = DpOp.Clone(_opCount - at - 1);
        }
    }

    private static bool Edits(ActionList actions)
    {
        foreach (FlowAction a in actions.Actions)
        {
            if (!a.IsOutput && a.Kind is not (FlowActionKind.Drop or FlowActionKind.Group))
            {
                return true;
            }
        }
        return false;
    }

    private void PushVlan(ushort tpid)
    {
        AddVlanMasks();
        // OpenFlow 1.3.5 §7.2.5 (push-VLAN): the new tag copies the VID and PCP of the current outermost tag, else 0.
        _key.InnerVlanTci = _key.VlanTci;
        _key.VlanTci = (ushort)(_key.VlanTci | 0x1000);
        PendVlan(DpOp.PushVlan(tpid));
    }

    private void PopVlan()
    {
        AddVlanMasks();
        _key.VlanTci = _key.InnerVlanTci;
        _key.InnerVlanTci = 0;
        PendVlan(DpOp.PopVlan());
    }

    private void ModVlan(DpOpKind kind, ushort value)
    {
        AddVlanMasks();
        if ((_key.VlanTci & 0x1000) == 0)
        {
            _key.InnerVlanTci = 0;
            _key.VlanTci = 0x1000;
        }
        _key.VlanTci = kind == DpOpKind.ModVlanVid
            ? (ushort)((_key.VlanTci & 0xf000) | value)
            : (ushort)((_key.VlanTci & 0x1fff) | (value << 13));
        PendVlan(DpOp.Vlan(kind, value));
    }

    private void SetField(FlowField field, UInt128 value)
    {
        if (field is FlowField.VlanVid or FlowField.VlanPcp)
        {
            // OpenFlow set_field on a VLAN field edits an existing tag only.
            _mask.VlanTci |= 0x1000;
            if ((_key.VlanTci & 0x1000) == 0)
            {
                return;
            }
            FlowFields.Set(field, ref _key, field == FlowField.VlanVid ? (value & 0xfff) | 0x1000 : value);
            PendVlan(DpOp.Vlan(field == FlowField.VlanVid ? DpOpKind.SetVlanVid : DpOpKind.SetVlanPcp,
                field == FlowField.VlanVid ? (ushort)(value & 0xfff) : (ushort)(value & 7)));
            return;
        }
        FlowKeyLayers layer = FlowFields.Layer(field);
        if (layer != FlowKeyLayers.None)
        {
            // Whether the header is there decides whether the set happens (the datapath checks it again per packet).
            _mask.Present |= (ushort)layer;
            if ((_key.Present & (ushort)layer) == 0)
            {
                return;
            }
        }
        FlowFields.Set(field, ref _key, value);
        _pending.SetField(field, value);
    }

    private void DecTtl(FlowRule? rule, byte table)
    {
        _mask.Present |= (ushort)(FlowKeyLayers.IPv4 | FlowKeyLayers.IPv6);
        if (IsIp() && _key.NwTtl > 0)
        {
            _key.NwTtl--;
        }
        PipelineSettings s = _pipeline.Settings;
        Emit(DpOp.DecTtl(s.InvalidTtlToController, s.MissSendLen, table, rule?.Cookie ?? ulong.MaxValue, _key.Metadata), flush: false);
    }

    private bool IsIp() => (_key.Present & (ushort)(FlowKeyLayers.IPv4 | FlowKeyLayers.IPv6)) != 0;

    private void AddVlanMasks()
    {
        _mask.VlanTci = ushort.MaxValue;
        _mask.InnerVlanTci = ushort.MaxValue;
    }

    private void PendVlan(DpOp op)
    {
        if (!_pending.AddVlan(op))
        {
            _overflow = true;
        }
    }

    private void FlushPending()
    {
        if (_pending.IsEmpty)
        {
            return;
        }
        if (_opCount + _pending.Count > MaxOps)
        {
            _overflow = true;
            _pending.Clear();
            return;
        }
        _opCount += _pending.Flush(_ops.AsSpan(_opCount));
    }

    private void Emit(DpOp op, bool flush)
    {
        if (flush)
        {
            FlushPending();
        }
        if (_opCount == MaxOps)
        {
            _overflow = true;
            return;
        }
        _ops[_opCount++] = op;
    }

    private void Credit(FlowCredit credit)
    {
        if (_creditCount == MaxCredits)
        {
            _overflow = true;
            return;
        }
        _credits[_creditCount++] = credit;
    }
}
