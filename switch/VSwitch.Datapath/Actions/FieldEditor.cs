using System.Buffers.Binary;
using System.Numerics;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Flows.Keys;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// OpenFlow set_field, dec_ttl and set_nw_ttl on one packet, with the checksums they affect kept right: the IPv4 header
/// checksum, the TCP, UDP and ICMPv6 checksums (which cover the IP addresses through the pseudo-header, RFC 9293 §3.1,
/// RFC 768, RFC 4443 §2.3), the ICMP checksum, and SCTP's CRC32c (recomputed, RFC 9260 §6.8). A field the packet does
/// not have is left alone (the edit "succeeds" doing nothing), as OVS does. Every offset comes from
/// <see cref="HeaderLayout"/>, which checks it against the frame. A lent packet is copied into its own buffer before the
/// first write. A frame whose transport checksum is still pending (<see cref="OffloadFlags.NeedsCsum"/>) keeps it
/// pending and right: see <see cref="TrySetField"/>. Stateless and thread-safe; the caller owns the packet; no allocation.
/// </summary>
public static class FieldEditor
{
    /// <summary>
    /// Writes <paramref name="value"/> into <paramref name="field"/>. False only when the packet could not be made writable.
    /// The tunnel fields go to the packet's tunnel metadata (<see cref="PacketBuffer.Tunnel"/>), not its bytes.
    /// </summary>
    public static bool TrySetField(PacketBuffer packet, FlowField field, UInt128 value, out DropReason reason)
    {
        reason = default;
        switch (field)
        {
            case FlowField.TunnelId:
                packet.Tunnel.Id = (ulong)value;
                return true;
            case FlowField.TunIpv4Src:
                packet.Tunnel.Source = (uint)value;
                return true;
            case FlowField.TunIpv4Dst:
                packet.Tunnel.Destination = (uint)value;
                return true;
        }
        if (!HeaderLayout.TryLocate(packet.Span, out HeaderLayout h))
        {
            return true;
        }
        int at = Offset(packet.Span, in h, field, out int width, out int checksumAt, out bool udp, out bool sctp, out int ipChecksumAt);
        if (at < 0)
        {
            return true;
        }
        if (!packet.TryMakeOwned())
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        Span<byte> frame = packet.Span;
        // The 16-bit words the edit touches, for the incremental checksum updates.
        int wordStart = at & ~1;
        int wordEnd = (at + width + 1) & ~1;
        Span<byte> words = frame[wordStart..wordEnd];
        uint before = Checksum.Sum(words);
        Write(frame, at, field, value);
        uint after = Checksum.Sum(words);
        if (ipChecksumAt >= 0)
        {
            Checksum.Update(frame.Slice(ipChecksumAt, 2), before, after);
        }
        ref PacketOffload offload = ref packet.Offload;
        if (checksumAt >= 0 && (offload.Flags & OffloadFlags.NeedsCsum) != 0 && checksumAt == offload.CsumStart + offload.CsumOffset)
        {
            // A pending checksum (docs/OFFLOADS.md): the field holds the pseudo-header sum, not inverted, and whoever
            // finishes it sums everything from CsumStart on. An edit in that region (ports, ICMP type) needs nothing; an
            // address in the pseudo-header moves the stored sum by the difference, without the complement.
            if (at < offload.CsumStart)
            {
                Checksum.UpdatePartial(frame.Slice(checksumAt, 2), before, after);
            }
        }
        else if (checksumAt >= 0)
        {
            Checksum.Update(frame.Slice(checksumAt, 2), before, after, zeroMeansNone: udp);
        }
        if (sctp)
        {
            FixSctpChecksum(frame.Slice(h.L4, h.L4Length));
        }
        return true;
    }

    /// <summary>
    /// OpenFlow dec_nw_ttl: decrements the IPv4 TTL (fixing the header checksum) or the IPv6 hop limit. Sets
    /// <paramref name="expired"/> (and changes nothing) when it is 0 or 1 (OpenFlow 1.3.5 §5.12: the packet is then
    /// dropped). Non-IP packets are left alone. False only when the packet could not be made writable.
    /// </summary>
    public static bool TryDecTtl(PacketBuffer packet, out bool expired, out DropReason reason)
    {
        reason = default;
        expired = false;
        if (!HeaderLayout.TryLocate(packet.Span, out HeaderLayout h) || h.L3 < 0 || !(h.IsIpv4 || h.IsIpv6))
        {
            return true;
        }
        int at = h.IsIpv4 ? h.L3 + 8 : h.L3 + 7;
        byte ttl = packet.Span[at];
        if (ttl <= 1)
        {
            expired = true;
            return true;
        }
        return TrySetTtl(packet, in h, (byte)(ttl - 1), out reason);
    }

    /// <summary>OpenFlow set_nw_ttl: sets the IPv4 TTL (fixing the checksum) or the IPv6 hop limit; non-IP packets are left alone.</summary>
    public static bool TrySetTtl(PacketBuffer packet, byte ttl, out DropReason reason)
    {
        reason = default;
        if (!HeaderLayout.TryLocate(packet.Span, out HeaderLayout h) || h.L3 < 0 || !(h.IsIpv4 || h.IsIpv6))
        {
            return true;
        }
        return TrySetTtl(packet, in h, ttl, out reason);
    }

    private static bool TrySetTtl(PacketBuffer packet, in HeaderLayout h, byte ttl, out DropReason reason)
    {
        reason = default;
        if (!packet.TryMakeOwned())
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        Span<byte> frame = packet.Span;
        if (h.IsIpv6)
        {
            frame[h.L3 + 7] = ttl;
            return true;
        }
        // RFC 791: TTL and protocol share the word at offset 8; the header checksum is at offset 10.
        Span<byte> word = frame.Slice(h.L3 + 8, 2);
        uint before = Checksum.Sum(word);
        word[0] = ttl;
        Checksum.Update(frame.Slice(h.L3 + 10, 2), before, Checksum.Sum(word));
        return true;
    }

    // Where the field is (or -1 when the packet lacks it), its width in bytes, and which checksums cover it.
    private static int Offset(ReadOnlySpan<byte> frame, in HeaderLayout h, FlowField field, out int width, out int checksumAt,
        out bool udp, out bool sctp, out int ipChecksumAt)
    {
        width = 0;
        checksumAt = -1;
        udp = false;
        sctp = false;
        ipChecksumAt = -1;
        switch (field)
        {
            case FlowField.EthDst:
                width = 6;
                return EthernetHeader.DestinationOffset;
            case FlowField.EthSrc:
                width = 6;
                return EthernetHeader.SourceOffset;
            case FlowField.IpDscp or FlowField.IpEcn:
                if (h.L3 < 0 || !(h.IsIpv4 || h.IsIpv6))
                {
                    return -1;
                }
                width = 2;
                ipChecksumAt = h.IsIpv4 ? h.L3 + 10 : -1;
                return h.L3;
            case FlowField.Ipv4Src or FlowField.Ipv4Dst:
                if (!h.IsIpv4)
                {
                    return -1;
                }
                width = 4;
                ipChecksumAt = h.L3 + 10;
                checksumAt = PseudoHeaderChecksum(in h, out udp);
                return h.L3 + (field == FlowField.Ipv4Src ? 12 : 16);
            case FlowField.Ipv6Src or FlowField.Ipv6Dst:
                if (!h.IsIpv6)
                {
                    return -1;
                }
                width = 16;
                checksumAt = PseudoHeaderChecksum(in h, out udp);
                return h.L3 + (field == FlowField.Ipv6Src ? 8 : 24);
            case FlowField.Ipv6Label:
                if (!h.IsIpv6)
                {
                    return -1;
                }
                width = 4;
                return h.L3;
            case FlowField.TcpSrc or FlowField.TcpDst:
                if (!h.HasL4 || h.Protocol != 6 || h.L4Length < 20)
                {
                    return -1;
                }
                width = 2;
                checksumAt = h.L4 + 16;
                return h.L4 + (field == FlowField.TcpSrc ? 0 : 2);
            case FlowField.UdpSrc or FlowField.UdpDst:
                if (!h.HasL4 || h.Protocol != 17 || h.L4Length < 8)
                {
                    return -1;
                }
                width = 2;
                checksumAt = h.L4 + 6;
                udp = h.IsIpv4;
                return h.L4 + (field == FlowField.UdpSrc ? 0 : 2);
            case FlowField.SctpSrc or FlowField.SctpDst:
                if (!h.HasL4 || h.Protocol != 132 || h.L4Length < 12)
                {
                    return -1;
                }
                width = 2;
                sctp = true;
                return h.L4 + (field == FlowField.SctpSrc ? 0 : 2);
            case FlowField.Icmpv4Type or FlowField.Icmpv4Code:
                if (!h.IsIpv4 || !h.HasL4 || h.Protocol != 1 || h.L4Length < 4)
                {
                    return -1;
                }
                width = 1;
                checksumAt = h.L4 + 2;
                return h.L4 + (field == FlowField.Icmpv4Type ? 0 : 1);
            case FlowField.Icmpv6Type or FlowField.Icmpv6Code:
                if (!h.IsIpv6 || !h.HasL4 || h.Protocol != 58 || h.L4Length < 4)
                {
                    return -1;
                }
                width = 1;
                checksumAt = h.L4 + 2;
                return h.L4 + (field == FlowField.Icmpv6Type ? 0 : 1);
            case FlowField.NdTarget or FlowField.NdSll or FlowField.NdTll:
                return NeighborDiscovery(frame, in h, field, out width, out checksumAt);
            case FlowField.ArpOp or FlowField.ArpSpa or FlowField.ArpTpa or FlowField.ArpSha or FlowField.ArpTha:
                return Arp(frame, in h, field, out width);
            default:
                return -1;
        }
    }

    // The transport checksum that covers the IP addresses (TCP, UDP, ICMPv6), or -1.
    private static int PseudoHeaderChecksum(in HeaderLayout h, out bool udp)
    {
        udp = false;
        if (!h.HasL4)
        {
            return -1;
        }
        switch (h.Protocol)
        {
            case 6 when h.L4Length >= 20:
                return h.L4 + 16;
            case 17 when h.L4Length >= 8:
                udp = h.IsIpv4;
                return h.L4 + 6;
            case 58 when h.IsIpv6 && h.L4Length >= 4:
                return h.L4 + 2;
            default:
                return -1;
        }
    }

    // RFC 4861 §4.3, §4.4, §4.6: the target after 8 bytes; the first source (solicitation) or target (advertisement)
    // link-layer address option.
    private static int NeighborDiscovery(ReadOnlySpan<byte> frame, in HeaderLayout h, FlowField field, out int width, out int checksumAt)
    {
        width = 0;
        checksumAt = -1;
        if (!h.IsIpv6 || !h.HasL4 || h.Protocol != 58 || h.L4Length < 24)
        {
            return -1;
        }
        ReadOnlySpan<byte> icmp = frame.Slice(h.L4, h.L4Length);
        if (icmp[1] != 0 || icmp[0] is not (135 or 136))
        {
            return -1;
        }
        checksumAt = h.L4 + 2;
        if (field == FlowField.NdTarget)
        {
            width = 16;
            return h.L4 + 8;
        }
        byte wanted = field == FlowField.NdSll ? (byte)1 : (byte)2;
        if ((wanted == 1) != (icmp[0] == 135))
        {
            return -1;
        }
        int at = 24;
        while (at + 8 <= icmp.Length)
        {
            int length = icmp[at + 1] * 8;
            if (length == 0 || at + length > icmp.Length)
            {
                return -1;
            }
            if (icmp[at] == wanted)
            {
                width = 6;
                return h.L4 + at + 2;
            }
            at += length;
        }
        return -1;
    }

    // RFC 826 for Ethernet and IPv4: op at 6, sha 8, spa 14, tha 18, tpa 24.
    private static int Arp(ReadOnlySpan<byte> frame, in HeaderLayout h, FlowField field, out int width)
    {
        width = 0;
        if (h.Type is not (EtherType.Arp or EtherType.Rarp) || h.L3 < 0 || frame.Length - h.L3 < 28)
        {
            return -1;
        }
        ReadOnlySpan<byte> arp = frame[h.L3..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp) != 1 || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != EtherType.IPv4
            || arp[4] != 6 || arp[5] != 4)
        {
            return -1;
        }
        (int offset, width) = field switch
        {
            FlowField.ArpOp => (6, 2),
            FlowField.ArpSha => (8, 6),
            FlowField.ArpSpa => (14, 4),
            FlowField.ArpTha => (18, 6),
            _ => (24, 4),
        };
        return h.L3 + offset;
    }

    private static void Write(Span<byte> frame, int at, FlowField field, UInt128 value)
    {
        Span<byte> f = frame[at..];
        switch (field)
        {
            case FlowField.EthDst or FlowField.EthSrc or FlowField.ArpSha or FlowField.ArpTha or FlowField.NdSll or FlowField.NdTll:
                new MacAddress((ulong)value & 0xffff_ffff_ffffUL).Write(f);
                break;
            case FlowField.Ipv4Src or FlowField.Ipv4Dst or FlowField.ArpSpa or FlowField.ArpTpa:
                BinaryPrimitives.WriteUInt32BigEndian(f, (uint)value);
                break;
            case FlowField.Ipv6Src or FlowField.Ipv6Dst or FlowField.NdTarget:
                BinaryPrimitives.WriteUInt128BigEndian(f, value);
                break;
            case FlowField.Ipv6Label:
                uint first = BinaryPrimitives.ReadUInt32BigEndian(f);
                BinaryPrimitives.WriteUInt32BigEndian(f, (first & 0xfff0_0000) | ((uint)value & 0x000f_ffff));
                break;
            case FlowField.IpDscp or FlowField.IpEcn:
                WriteTrafficClass(f, field, (byte)value);
                break;
            case FlowField.Icmpv4Type or FlowField.Icmpv4Code or FlowField.Icmpv6Type or FlowField.Icmpv6Code:
                f[0] = (byte)value;
                break;
            default:
                BinaryPrimitives.WriteUInt16BigEndian(f, (ushort)value);
                break;
        }
    }

    // IPv4: the TOS byte is byte 1. IPv6: the traffic class straddles bytes 0 and 1 (version 4 bits, class 8, label 20).
    private static void WriteTrafficClass(Span<byte> ip, FlowField field, byte value)
    {
        bool v6 = ip[0] >> 4 == 6;
        byte tos = v6 ? (byte)((ip[0] << 4) | (ip[1] >> 4)) : ip[1];
        tos = field == FlowField.IpDscp ? (byte)((tos & 0x03) | ((value & 0x3f) << 2)) : (byte)((tos & 0xfc) | (value & 0x03));
        if (v6)
        {
            ip[0] = (byte)((ip[0] & 0xf0) | (tos >> 4));
            ip[1] = (byte)((ip[1] & 0x0f) | (tos << 4));
        }
        else
        {
            ip[1] = tos;
        }
    }

    // RFC 9260 §6.8 and Appendix A: CRC32c over the whole SCTP packet with the checksum field zero, stored as the
    // reflected CRC's bytes (little-endian), initial value all ones, final complement.
    private static void FixSctpChecksum(Span<byte> sctp)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(sctp[8..], 0);
        uint crc = uint.MaxValue;
        int i = 0;
        for (; i + 8 <= sctp.Length; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(sctp[i..]));
        }
        for (; i < sctp.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, sctp[i]);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(sctp[8..], ~crc);
    }
}
