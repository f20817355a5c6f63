using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Net;

namespace VSwitch.Flows.Keys;

/// <summary>
/// Parses raw frame bytes into a <see cref="FlowKey"/> (OVS <c>miniflow_extract</c>, flattened).
/// Design note: each layer is a small method that checks its own length before reading and works on a
/// slice bounded by the enclosing header's length field, so no read can leave the frame whatever the
/// bytes say. A layer that does not fit sets <see cref="FlowKeyLayers.Malformed"/> and stops; fields it
/// would have set stay zero. Thread-safe (pure function); no allocation, no exceptions.
/// </summary>
public static class FlowKeyExtractor
{
    /// <summary>OVS <c>FLOW_DL_TYPE_NONE</c>: the EtherType recorded for 802.3 frames that are not LLC/SNAP.</summary>
    public const ushort DlTypeNone = 0x05ff;

    /// <summary>The CFI bit OVS sets in <see cref="FlowKey.VlanTci"/> to mean "a tag is present".</summary>
    public const ushort VlanPresent = 0x1000;

    private const int Ipv4MinHeader = 20;
    private const int Ipv6Header = 40;
    private const int ArpEthIpv4Size = 28;
    private const int MaxIpv6ExtensionHeaders = 16;

    /// <summary>
    /// Parses <paramref name="frame"/> into <paramref name="key"/>. Never reads past the span, never throws,
    /// allocates nothing. Returns false for a runt (shorter than an Ethernet header; <paramref name="key"/> then
    /// holds only <paramref name="inPort"/>); truncated or malformed upper headers leave their fields zero and
    /// their <see cref="FlowKey.Present"/> bit clear, and set <see cref="FlowKeyLayers.Malformed"/>. Any thread.
    /// </summary>
    public static bool TryExtract(ReadOnlySpan<byte> frame, ushort inPort, out FlowKey key)
    {
        key = default;
        key.InPort = inPort;
        if (frame.Length < EthernetHeader.Size)
        {
            return false;
        }
        key.DlDst = EthernetHeader.Destination(frame).Value;
        key.DlSrc = EthernetHeader.Source(frame).Value;
        key.Present = (ushort)FlowKeyLayers.Ethernet;
        int offset = EthernetHeader.Size;
        ushort type = EthernetHeader.Type(frame);
        if (IsVlanTpid(type) && !TryParseVlanTags(frame, ref offset, ref type, ref key))
        {
            return true;
        }
        if (type < EtherType.MinEtherType)
        {
            type = ParseLlcSnap(frame[offset..], ref offset);
        }
        key.DlType = type;
        ReadOnlySpan<byte> payload = frame[offset..];
        switch (type)
        {
            case EtherType.IPv4:
                ParseIpv4(payload, ref key);
                break;
            case EtherType.IPv6:
                ParseIpv6(payload, ref key);
                break;
            case EtherType.Arp:
            case EtherType.Rarp:
                ParseArp(payload, ref key);
                break;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsVlanTpid(ushort type) => type is EtherType.Vlan or EtherType.QinQ;

    /// <summary>
    /// IEEE 802.1Q / 802.1ad: the first (outermost) tag goes to <see cref="FlowKey.VlanTci"/>, as OpenFlow's VLAN_VID
    /// sees it; a second tag goes to <see cref="FlowKey.InnerVlanTci"/>. Returns false when a tag is cut short.
    /// </summary>
    private static bool TryParseVlanTags(ReadOnlySpan<byte> frame, ref int offset, ref ushort type, ref FlowKey key)
    {
        if (frame.Length - offset < VlanTag.Size)
        {
            MarkMalformed(ref key);
            return false;
        }
        ushort tci = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        ushort next = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
        offset += VlanTag.Size;
        key.VlanTci = (ushort)(tci | VlanPresent);
        key.Present |= (ushort)FlowKeyLayers.Vlan;
        type = next;
        if (!IsVlanTpid(next))
        {
            return true;
        }
        if (frame.Length - offset < VlanTag.Size)
        {
            MarkMalformed(ref key);
            return false;
        }
        key.InnerVlanTci = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]) | VlanPresent);
        key.Present |= (ushort)FlowKeyLayers.InnerVlan;
        type = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
        offset += VlanTag.Size;
        return true;
    }

    /// <summary>
    /// An 802.3 frame (length instead of type). IEEE 802 / RFC 1042: LLC DSAP=SSAP=0xaa, control 0x03 and a
    /// zero OUI carry a SNAP EtherType; anything else is recorded as <see cref="DlTypeNone"/>, as OVS does.
    /// </summary>
    private static ushort ParseLlcSnap(ReadOnlySpan<byte> llc, ref int offset)
    {
        if (llc.Length < 8 || llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03
            || llc[3] != 0 || llc[4] != 0 || llc[5] != 0)
        {
            return DlTypeNone;
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(llc[6..]);
        if (type < EtherType.MinEtherType)
        {
            return DlTypeNone;
        }
        offset += 8;
        return type;
    }

    private static void ParseIpv4(ReadOnlySpan<byte> ip, ref FlowKey key)
    {
        // RFC 791 §3.1: version 4, IHL >= 5 words, total length covers the header and fits the frame
        // (the frame may be longer: Ethernet padding).
        if (ip.Length < Ipv4MinHeader || ip[0] >> 4 != 4)
        {
            MarkMalformed(ref key);
            return;
        }
        int headerLength = (ip[0] & 0x0f) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (headerLength < Ipv4MinHeader || totalLength < headerLength || totalLength > ip.Length)
        {
            MarkMalformed(ref key);
            return;
        }
        key.NwTos = ip[1];
        key.NwTtl = ip[8];
        key.NwProto = ip[9];
        key.NwSrc = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        key.NwDst = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        key.Present |= (ushort)FlowKeyLayers.IPv4;

        // RFC 791 §3.1: flags (DF, MF) in the top three bits, fragment offset in the low 13.
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & 0x3fff) != 0)
        {
            key.NwFrag = (fragment & 0x1fff) != 0 ? (byte)3 : (byte)1;
            if (key.NwFrag == 3)
            {
                return;
            }
        }
        ParseTransport(ip[headerLength..totalLength], key.NwProto, false, ref key);
    }

    private static void ParseIpv6(ReadOnlySpan<byte> ip, ref FlowKey key)
    {
        // RFC 8200 §3: 40-byte fixed header; payload length counts everything after it.
        if (ip.Length < Ipv6Header || ip[0] >> 4 != 6)
        {
            MarkMalformed(ref key);
            return;
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        if (payloadLength > ip.Length - Ipv6Header)
        {
            MarkMalformed(ref key);
            return;
        }
        key.NwTos = (byte)((ip[0] << 4) | (ip[1] >> 4));
        key.Ipv6Label = BinaryPrimitives.ReadUInt32BigEndian(ip) & 0x000f_ffff;
        key.NwTtl = ip[7];
        key.Ipv6Src = BinaryPrimitives.ReadUInt128BigEndian(ip[8..]);
        key.Ipv6Dst = BinaryPrimitives.ReadUInt128BigEndian(ip[24..]);
        key.Present |= (ushort)FlowKeyLayers.IPv6;
        ReadOnlySpan<byte> rest = ip.Slice(Ipv6Header, payloadLength);
        byte next = ip[6];
        if (!TrySkipIpv6Extensions(ref rest, ref next, ref key))
        {
            return;
        }
        key.NwProto = next;
        if (key.NwFrag != 3)
        {
            ParseTransport(rest, next, true, ref key);
        }
    }

    /// <summary>
    /// Walks IPv6 extension headers (RFC 8200 §4) up to the upper-layer header, recording fragment state
    /// (§4.5). Stops at a later fragment. Returns false (and marks the key) when a header is cut short.
    /// </summary>
    private static bool TrySkipIpv6Extensions(ref ReadOnlySpan<byte> rest, ref byte next, ref FlowKey key)
    {
        for (int i = 0; i < MaxIpv6ExtensionHeaders; i++)
        {
            int length;
            switch (next)
            {
                case 0:
                case 43:
                case 60:
                    // RFC 8200 §4.3-4.6: Hdr Ext Len in 8-octet units, not counting the first 8 octets.
                    length = rest.Length >= 2 ? (rest[1] + 1) * 8 : int.MaxValue;
                    break;
                case 51:
                    // RFC 4302 §2.2: AH Payload Len in 4-octet units, minus 2.
                    length = rest.Length >= 2 ? (rest[1] + 2) * 4 : int.MaxValue;
                    break;
                case 44:
                    length = 8;
                    break;
                default:
                    return true;
            }
            if (length > rest.Length)
            {
                MarkMalformed(ref key);
                return false;
            }
            if (next == 44)
            {
                // RFC 8200 §4.5: 13-bit offset in the top bits, M flag in bit 0 of the same 16-bit word.
                ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
                if ((offsetAndFlags & 0xfff9) != 0)
                {
                    key.NwFrag = (offsetAndFlags & 0xfff8) != 0 ? (byte)3 : (byte)1;
                }
            }
            next = rest[0];
            rest = rest[length..];
            if (key.NwFrag == 3)
            {
                return true;
            }
        }
        return true;
    }

    private static void ParseTransport(ReadOnlySpan<byte> l4, byte proto, bool ipv6, ref FlowKey key)
    {
        switch (proto)
        {
            case 6:
                ParseTcp(l4, ref key);
                break;
            case 17:
                ParsePorts(l4, 8, FlowKeyLayers.Udp, ref key);
                break;
            case 132:
                ParsePorts(l4, 12, FlowKeyLayers.Sctp, ref key);
                break;
            case 1 when !ipv6:
                ParseIcmp(l4, 8, FlowKeyLayers.Icmp, ref key);
                break;
            case 58 when ipv6:
                ParseIcmp(l4, 4, FlowKeyLayers.Icmpv6, ref key);
                ParseNeighborDiscovery(l4, ref key);
                break;
        }
    }

    private static void ParseTcp(ReadOnlySpan<byte> tcp, ref FlowKey key)
    {
        // RFC 9293 §3.1: Data Offset (32-bit words) >= 5, and the header must fit.
        if (tcp.Length < 20)
        {
            MarkMalformed(ref key);
            return;
        }
        ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(tcp[12..]);
        int headerLength = (offsetAndFlags >> 12) * 4;
        if (headerLength < 20 || headerLength > tcp.Length)
        {
            MarkMalformed(ref key);
            return;
        }
        key.TpSrc = BinaryPrimitives.ReadUInt16BigEndian(tcp);
        key.TpDst = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]);
        key.TcpFlags = (ushort)(offsetAndFlags & 0x0fff);
        key.Present |= (ushort)FlowKeyLayers.Tcp;
    }

    private static void ParsePorts(ReadOnlySpan<byte> l4, int headerLength, FlowKeyLayers layer, ref FlowKey key)
    {
        // RFC 768 (UDP, 8-byte header) and RFC 9260 §3.1 (SCTP, 12-byte common header): ports first.
        if (l4.Length < headerLength)
        {
            MarkMalformed(ref key);
            return;
        }
        key.TpSrc = BinaryPrimitives.ReadUInt16BigEndian(l4);
        key.TpDst = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
        key.Present |= (ushort)layer;
    }

    private static void ParseIcmp(ReadOnlySpan<byte> icmp, int headerLength, FlowKeyLayers layer, ref FlowKey key)
    {
        // RFC 792 (8-byte header) and RFC 4443 §2.1 (4-byte header): type and code go to the port fields, as in OVS.
        if (icmp.Length < headerLength)
        {
            MarkMalformed(ref key);
            return;
        }
        key.TpSrc = icmp[0];
        key.TpDst = icmp[1];
        key.Present |= (ushort)layer;
    }

    /// <summary>
    /// RFC 4861 §4.3 (neighbour solicitation, type 135) and §4.4 (advertisement, type 136), code 0: a 16-byte target
    /// address after 4 reserved bytes, then options of 8-byte units (§4.6). The source link-layer address option (1)
    /// counts in a solicitation, the target link-layer address option (2) in an advertisement, each the first one
    /// seen, as in OVS. An option of length 0 makes the message invalid (§4.6.1: "MUST silently discard"): the ND
    /// fields stay zero and the key is marked malformed.
    /// </summary>
    private static void ParseNeighborDiscovery(ReadOnlySpan<byte> icmp, ref FlowKey key)
    {
        if ((key.Present & (ushort)FlowKeyLayers.Icmpv6) == 0 || key.TpDst != 0 || key.TpSrc is not (135 or 136))
        {
            return;
        }
        if (icmp.Length < 24)
        {
            MarkMalformed(ref key);
            return;
        }
        UInt128 target = BinaryPrimitives.ReadUInt128BigEndian(icmp[8..]);
        byte wanted = key.TpSrc == 135 ? (byte)1 : (byte)2;
        ulong address = 0;
        ReadOnlySpan<byte> options = icmp[24..];
        while (options.Length >= 2)
        {
            int length = options[1] * 8;
            if (length == 0 || length > options.Length)
            {
                MarkMalformed(ref key);
                return;
            }
            if (options[0] == wanted && length >= 8 && address == 0)
            {
                address = MacAddress.Read(options[2..]).Value;
            }
            options = options[length..];
        }
        key.NdTarget = target;
        if (wanted == 1)
        {
            key.ArpSha = address;
        }
        else
        {
            key.ArpTha = address;
        }
        key.Present |= (ushort)FlowKeyLayers.NeighborDiscovery;
    }

    private static void ParseArp(ReadOnlySpan<byte> arp, ref FlowKey key)
    {
        // RFC 826: only Ethernet (htype 1, hlen 6) / IPv4 (ptype 0x0800, plen 4) ARP has fields we match.
        if (arp.Length < 8)
        {
            MarkMalformed(ref key);
            return;
        }
        if (BinaryPrimitives.ReadUInt16BigEndian(arp) != 1 || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != EtherType.IPv4
            || arp[4] != 6 || arp[5] != 4)
        {
            return;
        }
        if (arp.Length < ArpEthIpv4Size)
        {
            MarkMalformed(ref key);
            return;
        }
        key.ArpOp = BinaryPrimitives.ReadUInt16BigEndian(arp[6..]);
        key.ArpSha = MacAddress.Read(arp[8..]).Value;
        key.NwSrc = BinaryPrimitives.ReadUInt32BigEndian(arp[14..]);
        key.ArpTha = MacAddress.Read(arp[18..]).Value;
        key.NwDst = BinaryPrimitives.ReadUInt32BigEndian(arp[24..]);
        key.Present |= (ushort)FlowKeyLayers.Arp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MarkMalformed(ref FlowKey key) => key.Present |= (ushort)FlowKeyLayers.Malformed;
}
