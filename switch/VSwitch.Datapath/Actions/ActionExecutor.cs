using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Controller;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Cache;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Translation;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// Runs a translated flow's datapath ops (<see cref="DpOp"/>) on the packets of one flow batch, in order (OVS
/// <c>dp_netdev_execute_actions</c>). Each output sends the packet as it is at that point; every output but the flow's
/// last use of the packet sends a clone, so later edits never reach a copy already queued, and the last one sends the
/// original. A <see cref="DpOpKind.Clone"/> scope (a group bucket that edits headers) runs on a copy of its own, or on
/// the original when nothing after it needs the packet. The common shapes (exactly NORMAL, exactly one output, drop) skip
/// the interpreter. Drops: a flow that sends a packet nowhere counts <see cref="DropReason.NoRule"/> when a table missed,
/// else <see cref="DropReason.FlowDrop"/>; each output that cannot deliver counts its own reason; a failed edit discards
/// the packet under the edit's reason; an expired TTL counts <see cref="DropReason.TtlExpired"/>. OpenFlow
/// <c>output</c>, <c>in_port</c>, <c>flood</c> and <c>all</c> ignore port VLAN settings, as in OVS; only NORMAL
/// applies them. Owning datapath thread only; no allocation.
/// </summary>
internal sealed class ActionExecutor
{
    private const byte ReasonInvalidTtl = 2;

    private readonly PacketOutput _output;
    private readonly NormalAction _normal;
    private readonly PacketInRing _packetIns;
    private DatapathConfig _config = null!;
    private int _inIndex;
    private ushort _inPort;

    public ActionExecutor(PacketOutput output, PacketInRing packetIns)
    {
        _output = output;
        _packetIns = packetIns;
        _normal = new NormalAction(output);
    }

    /// <summary>
    /// Starts a batch from port number <paramref name="inPort"/>, at dense index <paramref name="inIndex"/> of
    /// <paramref name="config"/> (-1 for a PACKET_OUT whose in_port is not a port of the snapshot).
    /// </summary>
    public void BeginBatch(DatapathConfig config, int inIndex, ushort inPort, long nowMs)
    {
        _config = config;
        _inIndex = inIndex;
        _inPort = inPort;
        _normal.BeginBatch(config, inIndex, nowMs);
    }

    /// <summary>
    /// Executes <paramref name="flow"/> (ops <paramref name="ops"/>) on the packets of <paramref name="batch"/> at
    /// <paramref name="packets"/> (ascending), taking ownership of each: every one ends up queued for transmission or freed.
    /// </summary>
    public void Execute(in CachedFlow flow, ReadOnlySpan<DpOp> ops, PacketBatch batch, ReadOnlySpan<int> packets, FlowKey[] keys)
    {
        switch (flow.Shape)
        {
            case FlowShape.Normal:
                _normal.BeginFlow();
                foreach (int i in packets)
                {
                    _normal.Forward(batch[i], in keys[i]);
                }
                return;
            case FlowShape.Drop:
                DropReason reason = NoOutputReason(flow.End);
                foreach (int i in packets)
                {
                    _output.Drop(batch[i], reason);
                }
                return;
            case FlowShape.Output when TrySendAll(flow.Port, batch, packets):
                return;
        }
        _normal.BeginFlow();
        DropReason noOutput = NoOutputReason(flow.End);
        foreach (int i in packets)
        {
            Run(batch[i], in keys[i], ops, 0, ops.Length, flow.LastUse, noOutput);
        }
    }

    /// <summary>Executes <paramref name="ops"/> on one packet (a PACKET_OUT), taking ownership of it.</summary>
    public void ExecuteOnce(PacketBuffer packet, in FlowKey key, ReadOnlySpan<DpOp> ops, FlowEnd end)
    {
        _normal.BeginFlow();
        Run(packet, in key, ops, 0, ops.Length, DpOpList.LastUse(ops, 0, ops.Length), NoOutputReason(end));
    }

    private static DropReason NoOutputReason(FlowEnd end) => end == FlowEnd.TableMiss ? DropReason.NoRule : DropReason.FlowDrop;

    /// <summary>The common single-output flow: every packet goes to one valid port without copies.</summary>
    private bool TrySendAll(ushort port, PacketBatch batch, ReadOnlySpan<int> packets)
    {
        int index = _config.IndexOf(port);
        if (index < 0 || index == _inIndex)
        {
            return false;
        }
        foreach (int i in packets)
        {
            _output.Send(index, batch[i]);
        }
        return true;
    }

    // Runs ops [start, end) on packet, which it owns. lastUse: the op that takes the packet itself (-1: none, the packet
    // is dropped with noOutput when the ops are done).
    private void Run(PacketBuffer packet, in FlowKey key, ReadOnlySpan<DpOp> ops, int start, int end, int lastUse, DropReason noOutput)
    {
        for (int i = start; i < end; i++)
        {
            DpOp op = ops[i];
            bool last = i == lastUse;
            DropReason reason = default;
            bool ok = true;
            switch (op.Kind)
            {
                case DpOpKind.Output:
                    OutputToPort(packet, _config.IndexOf(op.Port), last);
                    break;
                case DpOpKind.InPort:
                    OutputToPort(packet, _inIndex, last, toInPort: true);
                    break;
                case DpOpKind.Flood:
                case DpOpKind.All:
                    OutputToAll(packet, op.Kind == DpOpKind.Flood, last);
                    break;
                case DpOpKind.Normal:
                    OutputNormal(packet, in key, last);
                    break;
                case DpOpKind.Controller:
                    ToController(packet, op.MaxLen, new PacketInRecord(_inPort, op.Reason, op.TableId, op.Cookie, op.Metadata, packet.Length,
                        packet.Tunnel), last);
                    break;
                case DpOpKind.Clone:
                    int scopeEnd = Math.Min(end, i + 1 + op.Length);
                    int scopeLast = DpOpList.LastUse(ops, i + 1, scopeEnd);
                    if (last)
                    {
                        Run(packet, in key, ops, i + 1, scopeEnd, scopeLast, DropReason.FlowDrop);
                        return;
                    }
                    if (_output.TryClone(packet, out PacketBuffer? copy))
                    {
                        Run(copy, in key, ops, i + 1, scopeEnd, scopeLast, DropReason.FlowDrop);
                    }
                    i = scopeEnd - 1;
                    break;
                case DpOpKind.PushVlan:
                    ok = FrameEditor.TryPushVlanCopy(packet, op.Tpid, out reason);
                    break;
                case DpOpKind.PopVlan:
                    ok = FrameEditor.TryStripVlan(packet, out reason);
                    break;
                case DpOpKind.SetVlanVid:
                    ok = FrameEditor.TrySetTaggedVid(packet, op.VlanValue, out reason);
                    break;
                case DpOpKind.SetVlanPcp:
                    ok = FrameEditor.TrySetTaggedPcp(packet, (byte)op.VlanValue, out reason);
                    break;
                case DpOpKind.ModVlanVid:
                    ok = FrameEditor.TrySetVlanVid(packet, op.VlanValue, out reason);
                    break;
                case DpOpKind.ModVlanPcp:
                    ok = FrameEditor.TrySetVlanPcp(packet, (byte)op.VlanValue, out reason);
                    break;
                case DpOpKind.SetField:
                    ok = FieldEditor.TrySetField(packet, op.Field, op.Value, out reason);
                    break;
                case DpOpKind.SetTtl:
                    ok = FieldEditor.TrySetTtl(packet, op.Ttl, out reason);
                    break;
                case DpOpKind.DecTtl:
                    ok = FieldEditor.TryDecTtl(packet, out bool expired, out reason);
                    if (ok && expired)
                    {
                        if (op.ToController)
                        {
                            _packetIns.TryWrite(packet.Span, op.MaxLen,
                                new PacketInRecord(_inPort, ReasonInvalidTtl, op.TableId, op.Cookie, op.Metadata, packet.Length, packet.Tunnel));
                        }
                        ok = false;
                        reason = DropReason.TtlExpired;
                    }
                    break;
            }
            if (!ok)
            {
                _output.Drop(packet, reason);
                return;
            }
            if (last)
            {
                return;
            }
        }
        _output.Drop(packet, noOutput);
    }

    /// <summary>
    /// OpenFlow <c>output:PORT</c>: never to the input port (that needs <c>in_port</c>), never to a missing port.
    /// <paramref name="toInPort"/>: the <c>in_port</c> action, which has no port when the packet came from a controller.
    /// </summary>
    private void OutputToPort(PacketBuffer packet, int index, bool last, bool toInPort = false)
    {
        if (index < 0 || (!toInPort && index == _inIndex))
        {
            DropReason reason = index < 0 ? DropReason.NoSuchPort : DropReason.SameAsIngress;
            if (last)
            {
                _output.Drop(packet, reason);
            }
            else
            {
                _output.Count(reason);
            }
            return;
        }
        Emit(index, packet, last);
    }

    private void OutputToAll(PacketBuffer packet, bool flood, bool last)
    {
        DatapathPort[] ports = _config.PortArray;
        int final = -1;
        for (int i = ports.Length - 1; i >= 0; i--)
        {
            if (i != _inIndex && !(flood && ports[i].NoFlood))
            {
                final = i;
                break;
            }
        }
        for (int i = 0; i < final; i++)
        {
            if (i != _inIndex && !(flood && ports[i].NoFlood))
            {
                Emit(i, packet, last: false);
            }
        }
        if (final >= 0)
        {
            Emit(final, packet, last);
        }
        else if (last)
        {
            _output.Drop(packet, DropReason.NoFloodTarget);
        }
        else
        {
            _output.Count(DropReason.NoFloodTarget);
        }
    }

    private void OutputNormal(PacketBuffer packet, in FlowKey key, bool last)
    {
        if (last)
        {
            _normal.Forward(packet, in key);
        }
        else if (_output.NeedsSegmentedCopy(packet))
        {
            ForwardSegments(packet, in key);
        }
        else if (_output.TryClone(packet, out PacketBuffer? clone))
        {
            _normal.Forward(clone, in key);
        }
    }

    /// <summary>NORMAL on a copy of a super-frame too long for a clone: each of its segments is forwarded (same L2 header, same decision).</summary>
    private void ForwardSegments(PacketBuffer packet, in FlowKey key)
    {
        if (!_output.TryParseSuperFrame(packet, out TcpSuperFrame layout))
        {
            return;
        }
        int count = layout.SegmentCount;
        for (int s = 0; s < count; s++)
        {
            if (!_output.TryCopySegment(packet, in layout, s, out PacketBuffer? segment))
            {
                return;
            }
            _normal.Forward(segment, in key);
        }
    }

    // A PACKET_IN: the frame is copied into the thread's ring (the original is then done with when this was its last use).
    private void ToController(PacketBuffer packet, ushort maxLen, in PacketInRecord record, bool last)
    {
        bool queued = _packetIns.TryWrite(packet.Span, maxLen, in record);
        if (last)
        {
            if (queued)
            {
                packet.Free();
            }
            else
            {
                _output.Drop(packet, DropReason.PacketInQueueFull);
            }
        }
        else if (!queued)
        {
            _output.Count(DropReason.PacketInQueueFull);
        }
    }

    private void Emit(int portIndex, PacketBuffer packet, bool last)
    {
        if (last)
        {
            _output.Send(portIndex, packet);
        }
        else
        {
            _output.SendCopy(portIndex, packet);
        }
    }
}
