using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Capture;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// Where executed actions put packets: the thread's transmit buffers, its clone pool and its drop counters.
/// Design note: a packet sent to several ports travels as one original plus clones copied into the thread's
/// pool; the original goes to the last destination. A clone keeps the original's offload metadata; a super-frame
/// longer than the pool's buffers is copied as its segments instead (complete frames, cut as for a port that does not
/// take super-frames), so flooding a 64 KiB TCP frame costs segmentation for every copy but the last. Every copy that
/// is meant to leave and cannot is freed and counted under one <see cref="DropReason"/>. Owning datapath thread only;
/// no allocation.
/// </summary>
internal sealed class PacketOutput
{
    private readonly TxBuffers _tx;
    private readonly PacketPool _pool;
    private readonly DropCounters _drops;
    private readonly DropCapture _capture;

    public PacketOutput(TxBuffers tx, PacketPool pool, DropCounters drops, DropCapture capture)
    {
        _tx = tx;
        _pool = pool;
        _drops = drops;
        _capture = capture;
    }

    /// <summary>Queues <paramref name="packet"/> (ownership passes on) for the port at dense index <paramref name="portIndex"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send(int portIndex, PacketBuffer packet) => _tx.Add(portIndex, packet);

    /// <summary>Frees <paramref name="packet"/> (ownership ends here) and counts it under <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Drop(PacketBuffer packet, DropReason reason)
    {
        _drops.Add(reason);
        _capture.Record(packet, reason);
        packet.Free();
    }

    /// <summary>Counts a copy that was never made under <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Count(DropReason reason) => _drops.Add(reason);

    /// <summary>
    /// Copies <paramref name="source"/> into a buffer of the thread's pool; the caller owns the clone.
    /// On failure the lost copy is already counted (<see cref="DropReason.PoolExhausted"/> or <see cref="DropReason.PacketTooLarge"/>).
    /// </summary>
    public bool TryClone(PacketBuffer source, [NotNullWhen(true)] out PacketBuffer? clone)
    {
        if (!_pool.TryRent(out clone))
        {
            _drops.Add(DropReason.PoolExhausted);
            return false;
        }
        if (!clone.TryCopyFrom(source.Span))
        {
            clone.Free();
            clone = null;
            _drops.Add(DropReason.PacketTooLarge);
            return false;
        }
        clone.InPort = source.InPort;
        clone.Offload = source.Offload;
        clone.Tunnel = source.Tunnel;
        return true;
    }

    /// <summary>
    /// True when a copy of <paramref name="source"/> cannot be one buffer of the thread's pool but can travel as the
    /// super-frame's segments: a TCP super-frame longer than the pool's buffers (a 64 KiB frame from a tap or a guest).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool NeedsSegmentedCopy(PacketBuffer source) => source.Length > _pool.DataRoom && source.Offload.Gso != GsoType.None;

    /// <summary>
    /// Queues a copy of <paramref name="source"/> (which the caller keeps) for the port at <paramref name="portIndex"/>:
    /// a clone, or the segments of a super-frame too long for a clone (<see cref="NeedsSegmentedCopy"/>). Lost copies are
    /// counted.
    /// </summary>
    public void SendCopy(int portIndex, PacketBuffer source)
    {
        if (NeedsSegmentedCopy(source))
        {
            SendSegments(portIndex, source, withVlan: false, default, 0);
        }
        else if (TryClone(source, out PacketBuffer? clone))
        {
            _tx.Add(portIndex, clone);
        }
    }

    /// <summary>As <see cref="SendCopy"/>, with each copy in the VLAN form of <see cref="SendWithVlan"/>.</summary>
    public void SendCopyWithVlan(int portIndex, PacketBuffer source, VlanEgress egress, ushort vlan)
    {
        if (NeedsSegmentedCopy(source))
        {
            SendSegments(portIndex, source, withVlan: true, egress, vlan);
        }
        else if (TryClone(source, out PacketBuffer? clone))
        {
            SendWithVlan(portIndex, clone, egress, vlan);
        }
    }

    /// <summary>
    /// Finds the headers of the super-frame <paramref name="source"/> for copies as segments. On failure the lost copy
    /// is counted (<see cref="DropReason.OffloadSegmentationFailed"/>).
    /// </summary>
    public bool TryParseSuperFrame(PacketBuffer source, out TcpSuperFrame layout)
    {
        if (TcpSegmenter.TryParse(source.Span, in source.Offload, out layout, out DropReason reason))
        {
            return true;
        }
        _drops.Add(reason);
        return false;
    }

    /// <summary>
    /// Copies segment <paramref name="index"/> of <paramref name="source"/> into a buffer of the thread's pool; the
    /// caller owns it. On failure this and the later segments of the copy are counted as lost
    /// (<see cref="DropReason.PoolExhausted"/> or <see cref="DropReason.PacketTooLarge"/>) and the caller stops.
    /// </summary>
    public bool TryCopySegment(PacketBuffer source, in TcpSuperFrame layout, int index, [NotNullWhen(true)] out PacketBuffer? segment)
    {
        if (!_pool.TryRent(out segment))
        {
            _drops.Add(DropReason.PoolExhausted, layout.SegmentCount - index);
            return false;
        }
        if (!TcpSegmenter.TryWriteSegment(source, in layout, index, segment))
        {
            segment.Free();
            segment = null;
            _drops.Add(DropReason.PacketTooLarge, layout.SegmentCount - index);
            return false;
        }
        return true;
    }

    private void SendSegments(int portIndex, PacketBuffer source, bool withVlan, VlanEgress egress, ushort vlan)
    {
        if (!TryParseSuperFrame(source, out TcpSuperFrame layout))
        {
            return;
        }
        int count = layout.SegmentCount;
        for (int s = 0; s < count; s++)
        {
            if (!TryCopySegment(source, in layout, s, out PacketBuffer? segment))
            {
                return;
            }
            if (withVlan)
            {
                SendWithVlan(portIndex, segment, egress, vlan);
            }
            else
            {
                _tx.Add(portIndex, segment);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="packet"/> (ownership passes on) to the port at <paramref name="portIndex"/> in the form
    /// <paramref name="egress"/> requires for <paramref name="vlan"/>: with its 802.1Q tag removed, or with a tag
    /// carrying <paramref name="vlan"/> (pushed with priority 0, or its VLAN ID rewritten keeping the priority).
    /// </summary>
    public void SendWithVlan(int portIndex, PacketBuffer packet, VlanEgress egress, ushort vlan)
    {
        int tci = FrameEditor.ReadDot1QTci(packet.Span);
        bool ok = true;
        DropReason reason = default;
        if (egress == VlanEgress.Untagged)
        {
            if (tci >= 0)
            {
                ok = FrameEditor.TryStripVlan(packet, out reason);
            }
        }
        else if (tci < 0)
        {
            ok = FrameEditor.TryPushVlan(packet, EtherType.Vlan, vlan, out reason);
        }
        else if ((tci & VlanTag.MaxVid) != vlan)
        {
            ok = FrameEditor.TrySetVlanVid(packet, vlan, out reason);
        }
        if (ok)
        {
            _tx.Add(portIndex, packet);
        }
        else
        {
            Drop(packet, reason);
        }
    }
}
