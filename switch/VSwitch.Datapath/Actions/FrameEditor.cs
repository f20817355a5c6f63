using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// In-place header rewrites of one packet: VLAN push, strip and modify, and Ethernet address changes.
/// Design note: every edit first makes an external (lent) packet owned (<see cref="PacketBuffer.TryMakeOwned"/>),
/// because lent memory must not be written. A push uses the buffer's headroom, or shifts the payload when there is
/// none. Pushes and strips move the packet's offload offsets (<see cref="PacketBuffer.Offload"/>) with the headers, so a
/// pending checksum or a super-frame stays correct; Ethernet address and TCI edits are outside every checksum. Edits
/// never read or write outside the packet, whatever its bytes say, and report failure as a
/// <see cref="DropReason"/> instead of throwing. Stateless and thread-safe; the caller owns the packet.
/// Cost: a 12-byte move for push/strip, a copy of the whole frame only when the packet was external.
/// </summary>
public static class FrameEditor
{
    /// <summary>Length of the two addresses in front of the first TPID.</summary>
    private const int AddressBytes = 12;

    /// <summary>
    /// The TCI of the frame's outermost 802.1Q tag (TPID 0x8100), or -1 when it has none (or the tag is cut short).
    /// IEEE 802.1Q tag format: TPID 0x8100 in place of the EtherType, then the TCI (PCP 3 bits, DEI 1, VID 12).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadDot1QTci(ReadOnlySpan<byte> frame) =>
        frame.Length >= EthernetHeader.Size + VlanTag.Size
        && BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetHeader.TypeOffset..]) == EtherType.Vlan
            ? BinaryPrimitives.ReadUInt16BigEndian(frame[(EthernetHeader.TypeOffset + 2)..])
            : -1;

    /// <summary>True when the frame starts with a complete 802.1Q or 802.1ad tag.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasOuterTag(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetHeader.Size + VlanTag.Size)
        {
            return false;
        }
        ushort tpid = BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetHeader.TypeOffset..]);
        return tpid is EtherType.Vlan or EtherType.QinQ;
    }

    /// <summary>Inserts a tag (<paramref name="tpid"/>, <paramref name="tci"/>) in front of the EtherType (OpenFlow <c>push_vlan</c>).</summary>
    public static bool TryPushVlan(PacketBuffer packet, ushort tpid, ushort tci, out DropReason reason)
    {
        if (packet.Length < AddressBytes)
        {
            reason = DropReason.Malformed;
            return false;
        }
        if (!packet.TryMakeOwned())
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        Span<byte> span;
        if (packet.TryPrepend(VlanTag.Size))
        {
            span = packet.Span;
            span.Slice(VlanTag.Size, AddressBytes).CopyTo(span);
        }
        else if (packet.TrySetLength(packet.Length + VlanTag.Size))
        {
            span = packet.Span;
            span[AddressBytes..^VlanTag.Size].CopyTo(span[(AddressBytes + VlanTag.Size)..]);
            // Everything behind the addresses moved back by a tag: so did the offload offsets (checksum, headers).
            packet.Offload.Shift(VlanTag.Size);
        }
        else
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        BinaryPrimitives.WriteUInt16BigEndian(span[EthernetHeader.TypeOffset..], tpid);
        BinaryPrimitives.WriteUInt16BigEndian(span[(EthernetHeader.TypeOffset + 2)..], tci);
        reason = default;
        return true;
    }

    /// <summary>Removes the outermost 802.1Q/802.1ad tag, if there is one (OpenFlow <c>strip_vlan</c>).</summary>
    public static bool TryStripVlan(PacketBuffer packet, out DropReason reason)
    {
        reason = default;
        if (!HasOuterTag(packet.Span))
        {
            return true;
        }
        if (!packet.TryMakeOwned())
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        Span<byte> span = packet.Span;
        span[..AddressBytes].CopyTo(span[VlanTag.Size..]);
        packet.TryTrimFront(VlanTag.Size);
        return true;
    }

    /// <summary>
    /// Sets the VLAN ID of the outermost tag, keeping its PCP and DEI; pushes an 802.1Q tag with priority 0 when
    /// the frame has none (OpenFlow 1.0 <c>mod_vlan_vid</c>).
    /// </summary>
    public static bool TrySetVlanVid(PacketBuffer packet, ushort vid, out DropReason reason)
    {
        vid &= VlanTag.MaxVid;
        if (!HasOuterTag(packet.Span))
        {
            return TryPushVlan(packet, EtherType.Vlan, vid, out reason);
        }
        return TryRewriteTci(packet, 0xf000, vid, out reason);
    }

    /// <summary>
    /// Sets the PCP of the outermost tag, keeping its VLAN ID; pushes an 802.1Q tag with VLAN ID 0 when the frame
    /// has none (OpenFlow 1.0 <c>mod_vlan_pcp</c>).
    /// </summary>
    public static bool TrySetVlanPcp(PacketBuffer packet, byte pcp, out DropReason reason)
    {
        ushort bits = (ushort)((pcp & 7) << 13);
        if (!HasOuterTag(packet.Span))
        {
            return TryPushVlan(packet, EtherType.Vlan, bits, out reason);
        }
        return TryRewriteTci(packet, 0x1fff, bits, out reason);
    }

    /// <summary>
    /// OpenFlow 1.3 push_vlan: a new outermost tag with <paramref name="tpid"/> whose VID and PCP copy the tag it goes in
    /// front of, or are 0 on an untagged frame (OpenFlow 1.3.5 §7.2.5, "Push VLAN header").
    /// </summary>
    public static bool TryPushVlanCopy(PacketBuffer packet, ushort tpid, out DropReason reason)
    {
        ReadOnlySpan<byte> frame = packet.Span;
        ushort tci = HasOuterTag(frame) ? BinaryPrimitives.ReadUInt16BigEndian(frame[(EthernetHeader.TypeOffset + 2)..]) : (ushort)0;
        return TryPushVlan(packet, tpid, tci, out reason);
    }

    /// <summary>OpenFlow set_field on VLAN_VID: rewrites the outermost tag's VLAN id, keeping its PCP; an untagged frame is left alone.</summary>
    public static bool TrySetTaggedVid(PacketBuffer packet, ushort vid, out DropReason reason)
    {
        reason = default;
        return !HasOuterTag(packet.Span) || TryRewriteTci(packet, 0xf000, (ushort)(vid & VlanTag.MaxVid), out reason);
    }

    /// <summary>OpenFlow set_field on VLAN_PCP: rewrites the outermost tag's priority, keeping its VLAN id; an untagged frame is left alone.</summary>
    public static bool TrySetTaggedPcp(PacketBuffer packet, byte pcp, out DropReason reason)
    {
        reason = default;
        return !HasOuterTag(packet.Span) || TryRewriteTci(packet, 0x1fff, (ushort)((pcp & 7) << 13), out reason);
    }

    /// <summary>Writes <paramref name="mac"/> into the source (<paramref name="source"/> true) or destination address.</summary>
    public static bool TrySetMac(PacketBuffer packet, MacAddress mac, bool source, out DropReason reason)
    {
        if (packet.Length < EthernetHeader.Size)
        {
            reason = DropReason.Malformed;
            return false;
        }
        if (!packet.TryMakeOwned())
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        mac.Write(packet.Span[(source ? EthernetHeader.SourceOffset : EthernetHeader.DestinationOffset)..]);
        reason = default;
        return true;
    }

    private static bool TryRewriteTci(PacketBuffer packet, ushort keep, ushort bits, out DropReason reason)
    {
        if (!packet.TryMakeOwned())
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        Span<byte> tci = packet.Span.Slice(EthernetHeader.TypeOffset + 2, 2);
        BinaryPrimitives.WriteUInt16BigEndian(tci, (ushort)((BinaryPrimitives.ReadUInt16BigEndian(tci) & keep) | bits));
        reason = default;
        return true;
    }
}
