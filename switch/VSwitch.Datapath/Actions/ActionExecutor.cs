using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Keys;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// Runs a flow's <see cref="ActionList"/> on the packets of one flow batch, in order (OVS
/// <c>dp_netdev_execute_actions</c>). Actions apply in sequence to the packet; each output sends the packet as it
/// is at that point. Every output except the last goes out as a clone, so header edits after an output never
/// reach a copy already queued; the last output sends the original. Header edits make a lent packet owned first.
/// Drops: a list without outputs counts <see cref="DropReason.FlowDrop"/>; each output that cannot deliver counts
/// its own reason (<see cref="DropReason.NoSuchPort"/>, <see cref="DropReason.SameAsIngress"/>,
/// <see cref="DropReason.NoFloodTarget"/>, ...); a failed edit
/// discards the packet under the edit's reason. OpenFlow <c>output</c>, <c>in_port</c>, <c>flood</c> and <c>all</c>
/// ignore port VLAN settings, as in OVS; only NORMAL applies them.
/// Owning datapath thread only; no allocation.
/// </summary>
internal sealed class ActionExecutor
{
    private readonly PacketOutput _output;
    private readonly NormalAction _normal;
    private DatapathConfig _config = null!;
    private int _inIndex;

    public ActionExecutor(PacketOutput output)
    {
        _output = output;
        _normal = new NormalAction(output);
    }

    /// <summary>Starts a receive batch from the port at dense index <paramref name="inIndex"/>.</summary>
    public void BeginBatch(DatapathConfig config, int inIndex, long nowMs)
    {
        _config = config;
        _inIndex = inIndex;
        _normal.BeginBatch(config, inIndex, nowMs);
    }

    /// <summary>
    /// Executes <paramref name="actions"/> on the packets of <paramref name="batch"/> at <paramref name="packets"/>
    /// (ascending), taking ownership of each: every one ends up queued for transmission or freed.
    /// </summary>
    public void Execute(ActionList actions, PacketBatch batch, ReadOnlySpan<int> packets, FlowKey[] keys)
    {
        if (actions.IsNormal)
        {
            _normal.BeginFlow();
            foreach (int i in packets)
            {
                _normal.Forward(batch[i], in keys[i]);
            }
            return;
        }
        if (actions.IsDrop)
        {
            foreach (int i in packets)
            {
                _output.Drop(batch[i], DropReason.FlowDrop);
            }
            return;
        }
        ReadOnlySpan<FlowAction> list = actions.Actions;
        if (list.Length == 1 && list[0].Kind == FlowActionKind.Output && TrySendAll(list[0].Port, batch, packets))
        {
            return;
        }
        int lastOutput = LastOutputIndex(list);
        _normal.BeginFlow();
        foreach (int i in packets)
        {
            ExecuteList(batch[i], in keys[i], list, lastOutput);
        }
    }

    /// <summary>The common <c>actions=output:PORT</c> flow: every packet goes to one valid port without copies.</summary>
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

    private static int LastOutputIndex(ReadOnlySpan<FlowAction> list)
    {
        for (int a = list.Length - 1; a >= 0; a--)
        {
            if (IsOutput(list[a].Kind))
            {
                return a;
            }
        }
        return -1;
    }

    private static bool IsOutput(FlowActionKind kind) =>
        kind is FlowActionKind.Output or FlowActionKind.Normal or FlowActionKind.Flood
            or FlowActionKind.All or FlowActionKind.InPort;

    private void ExecuteList(PacketBuffer packet, in FlowKey key, ReadOnlySpan<FlowAction> list, int lastOutput)
    {
        for (int a = 0; a <= lastOutput; a++)
        {
            FlowAction action = list[a];
            bool last = a == lastOutput;
            DropReason reason = default;
            bool ok = true;
            switch (action.Kind)
            {
                case FlowActionKind.Output:
                    OutputToPort(packet, _config.IndexOf(action.Port), last);
                    break;
                case FlowActionKind.InPort:
                    Emit(_inIndex, packet, last);
                    break;
                case FlowActionKind.Flood:
                case FlowActionKind.All:
                    OutputToAll(packet, action.Kind == FlowActionKind.Flood, last);
                    break;
                case FlowActionKind.Normal:
                    OutputNormal(packet, in key, last);
                    break;
                case FlowActionKind.SetVlanVid:
                    ok = FrameEditor.TrySetVlanVid(packet, (ushort)action.Argument, out reason);
                    break;
                case FlowActionKind.SetVlanPcp:
                    ok = FrameEditor.TrySetVlanPcp(packet, (byte)action.Argument, out reason);
                    break;
                case FlowActionKind.StripVlan:
                    ok = FrameEditor.TryStripVlan(packet, out reason);
                    break;
                case FlowActionKind.PushVlan:
                    ok = FrameEditor.TryPushVlan(packet, (ushort)action.Argument, 0, out reason);
                    break;
                case FlowActionKind.SetDlSrc:
                    ok = FrameEditor.TrySetMac(packet, new MacAddress(action.Argument), source: true, out reason);
                    break;
                case FlowActionKind.SetDlDst:
                    ok = FrameEditor.TrySetMac(packet, new MacAddress(action.Argument), source: false, out reason);
                    break;
            }
            if (!ok)
            {
                _output.Drop(packet, reason);
                return;
            }
        }
    }

    /// <summary>OpenFlow <c>output:PORT</c>: never to the input port (that needs <c>in_port</c>), never to a missing port.</summary>
    private void OutputToPort(PacketBuffer packet, int index, bool last)
    {
        if (index == _inIndex || index < 0)
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
