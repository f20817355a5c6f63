using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Capture;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// Where executed actions put packets: the thread's transmit buffers, its clone pool and its drop counters.
/// Design note: a packet sent to several ports travels as one original plus clones copied into the thread's
/// pool; the original goes to the last destination. Every copy that is meant to leave and cannot is freed and
/// counted under one <see cref="DropReason"/>. Owning datapath thread only; no allocation.
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
        return true;
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
