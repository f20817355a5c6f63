using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Keys;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// The NORMAL action: a MAC-learning, VLAN-aware L2 switch (OVS <c>xlate_normal</c>).
/// Ingress: the input port's VLAN settings give the frame's VLAN (or drop it, <see cref="DropReason.VlanNotAllowed"/>);
/// a unicast source is learnt as (VLAN, MAC) → input port. Forwarding: a known unicast destination goes to its
/// port (never back out of the input port: <see cref="DropReason.SameAsIngress"/>); unknown unicast, broadcast
/// and multicast are flooded to every other port that carries the VLAN and is not <c>no-flood</c> (none:
/// <see cref="DropReason.NoFloodTarget"/>). Split horizon: a frame from a port of a split-horizon group (a tunnel)
/// never leaves through another port of that group, flooded or unicast (<see cref="DropReason.SplitHorizon"/>).
/// Each copy leaves
/// tagged or untagged as its port's settings say. Only 802.1Q (TPID 0x8100) tags select a VLAN here; a frame whose
/// outer tag is 802.1ad is carried as an untagged frame with its tags as payload.
/// Design note: within one flow batch all packets share an action list, so packets with the same input L2 header
/// fields (addresses and tags) get the same decision; it is computed (and the source learnt) once per run of such
/// packets, which is what OVS's megaflow for NORMAL achieves. Owning datapath thread only; no allocation
/// (the flood target list grows only when a snapshot brings more ports than seen before).
/// </summary>
internal sealed class NormalAction
{
    private readonly PacketOutput _output;
    private DatapathConfig _config = null!;
    private DatapathPort? _inPort;
    private int _inIndex;
    private long _nowMs;
    private int[] _targets = [];
    private VlanEgress[] _targetEgress = [];

    private bool _memoValid;
    private ulong _memoSrc;
    private ulong _memoDst;
    private uint _memoTags;
    private Decision _decision;
    private DropReason _dropReason;
    private ushort _vlan;
    private int _unicastIndex;
    private VlanEgress _unicastEgress;
    private int _targetCount;

    public NormalAction(PacketOutput output) => _output = output;

    private enum Decision : byte
    {
        Drop,
        Unicast,
        Flood,
    }

    /// <summary>
    /// Starts a receive batch from the port at <paramref name="inIndex"/> of <paramref name="config"/>, or -1 for a packet
    /// from the controllers (PACKET_OUT with in_port CONTROLLER or a port that is gone): such a packet's VLAN is its
    /// 802.1Q tag's (0 when untagged), its source is not learnt, and it may go to any port.
    /// </summary>
    public void BeginBatch(DatapathConfig config, int inIndex, long nowMs)
    {
        _config = config;
        _inIndex = inIndex;
        _inPort = inIndex >= 0 ? config.PortArray[inIndex] : null;
        _nowMs = nowMs;
        int ports = config.PortArray.Length;
        if (_targets.Length < ports)
        {
            _targets = new int[ports];
            _targetEgress = new VlanEgress[ports];
        }
        _memoValid = false;
    }

    /// <summary>Forgets the cached decision (a new flow batch: another action list may precede NORMAL).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginFlow() => _memoValid = false;

    /// <summary>
    /// Forwards <paramref name="packet"/>, which it now owns: sent, flooded (clones plus the original) or dropped and
    /// counted. <paramref name="key"/> is the packet's key as received (identifies runs of identical L2 headers).
    /// </summary>
    public void Forward(PacketBuffer packet, in FlowKey key)
    {
        uint tags = ((uint)key.InnerVlanTci << 16) | key.VlanTci;
        if (!_memoValid || key.DlSrc != _memoSrc || key.DlDst != _memoDst || tags != _memoTags)
        {
            Decide(packet.Span);
            _memoValid = true;
            _memoSrc = key.DlSrc;
            _memoDst = key.DlDst;
            _memoTags = tags;
        }
        switch (_decision)
        {
            case Decision.Unicast:
                _output.SendWithVlan(_unicastIndex, packet, _unicastEgress, _vlan);
                break;
            case Decision.Flood:
                Flood(packet);
                break;
            default:
                _output.Drop(packet, _dropReason);
                break;
        }
    }

    private void Decide(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetHeader.Size)
        {
            SetDrop(DropReason.RxRunt);
            return;
        }
        int tci = FrameEditor.ReadDot1QTci(frame);
        ushort vlan;
        if (_inPort is null)
        {
            vlan = tci < 0 ? (ushort)0 : (ushort)(tci & VlanTag.MaxVid);
        }
        else if (!_inPort.Vlan.TryIngress(tci, out vlan))
        {
            SetDrop(DropReason.VlanNotAllowed);
            return;
        }
        _vlan = vlan;
        MacLearningTable table = _config.MacTable;
        MacAddress src = EthernetHeader.Source(frame);
        MacAddress dst = EthernetHeader.Destination(frame);
        if (_inPort is not null)
        {
            table.Learn(vlan, src, _inPort.Id, _nowMs);
        }
        if (!dst.IsMulticast && table.TryLookup(vlan, dst, _nowMs, out var port))
        {
            int index = _config.IndexOf(port.Value);
            if (index == _inIndex)
            {
                SetDrop(DropReason.SameAsIngress);
                return;
            }
            if (index >= 0)
            {
                if (SameSplitHorizon(_config.PortArray[index]))
                {
                    SetDrop(DropReason.SplitHorizon);
                    return;
                }
                VlanEgress egress = _config.PortArray[index].Vlan.Egress(vlan);
                if (egress == VlanEgress.Deny)
                {
                    SetDrop(DropReason.VlanNotAllowed);
                    return;
                }
                _decision = Decision.Unicast;
                _unicastIndex = index;
                _unicastEgress = egress;
                return;
            }
        }
        CollectFloodTargets(vlan);
    }

    private void CollectFloodTargets(ushort vlan)
    {
        DatapathPort[] ports = _config.PortArray;
        int n = 0;
        for (int i = 0; i < ports.Length; i++)
        {
            if (i == _inIndex || ports[i].NoFlood || SameSplitHorizon(ports[i]))
            {
                continue;
            }
            VlanEgress egress = ports[i].Vlan.Egress(vlan);
            if (egress != VlanEgress.Deny)
            {
                _targets[n] = i;
                _targetEgress[n] = egress;
                n++;
            }
        }
        _targetCount = n;
        if (n == 0)
        {
            SetDrop(DropReason.NoFloodTarget);
            return;
        }
        _decision = Decision.Flood;
    }

    /// <summary>True when the input port and <paramref name="port"/> are in the same split-horizon group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SameSplitHorizon(DatapathPort port) =>
        _inPort is { SplitHorizonGroup: not 0 } inPort && port.SplitHorizonGroup == inPort.SplitHorizonGroup;

    private void Flood(PacketBuffer packet)
    {
        int last = _targetCount - 1;
        for (int t = 0; t < last; t++)
        {
            _output.SendCopyWithVlan(_targets[t], packet, _targetEgress[t], _vlan);
        }
        _output.SendWithVlan(_targets[last], packet, _targetEgress[last], _vlan);
    }

    private void SetDrop(DropReason reason)
    {
        _decision = Decision.Drop;
        _dropReason = reason;
    }
}
