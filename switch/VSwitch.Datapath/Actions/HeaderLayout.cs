using System.Buffers.Binary;
using VSwitch.Core.Net;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// Where the headers of a frame are, found for an edit: the EtherType after up to two VLAN tags, the network header
/// and, for an unfragmented (or first-fragment) IPv4 or IPv6 packet, the transport header. Every offset is checked
/// against the frame's length and the network header's own length fields, so an edit that trusts these offsets stays
/// inside the packet whatever its bytes say. A plain value; <see cref="TryLocate"/> allocates nothing.
/// </summary>
internal readonly record struct HeaderLayout(ushort Type, int L3, int L3Length, int L4, int L4Length, byte Protocol)
{
    /// <summary>True for an IPv4 packet whose header checked out.</summary>
    public bool IsIpv4 => Type == EtherType.IPv4 && L3 >= 0;

    /// <summary>True for an IPv6 packet whose header checked out.</summary>
    public bool IsIpv6 => Type == EtherType.IPv6 && L3 >= 0;

    /// <summary>True when the transport header is there (its length is at least the protocol's minimum).</summary>
    public bool HasL4 => L4 >= 0;

    /// <summary>
    /// Finds the headers. Returns false for a frame too short for an Ethernet header; otherwise
    /// <see cref="L3"/> and <see cref="L4"/> are -1 for headers that are absent, cut short or insane.
    /// </summary>
    public static bool TryLocate(ReadOnlySpan<byte> frame, out HeaderLayout layout)
    {
        layout = new HeaderLayout(0, -1, 0, -1, 0, 0);
        if (frame.Length < EthernetHeader.Size)
        {
            return false;
        }
        int offset = EthernetHeader.TypeOffset;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        for (int tags = 0; tags < 2 && type is EtherType.Vlan or EtherType.QinQ; tags++)
        {
            if (frame.Length < offset + 6)
            {
                return true;
            }
            offset += VlanTag.Size;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        }
        int l3 = offset + 2;
        ReadOnlySpan<byte> ip = frame[l3..];
        switch (type)
        {
            case EtherType.IPv4:
                layout = LocateIpv4(ip, l3);
                return true;
            case EtherType.IPv6:
                layout = LocateIpv6(ip, l3);
                return true;
            default:
                layout = new HeaderLayout(type, type is EtherType.Arp or EtherType.Rarp ? l3 : -1, ip.Length, -1, 0, 0);
                return true;
        }
    }

    // RFC 791 §3.1: IHL >= 5, total length covers the header and fits; a later fragment has no transport header.
    private static HeaderLayout LocateIpv4(ReadOnlySpan<byte> ip, int l3)
    {
        if (ip.Length < 20 || ip[0] >> 4 != 4)
        {
            return new HeaderLayout(EtherType.IPv4, -1, 0, -1, 0, 0);
        }
        int ihl = (ip[0] & 0x0f) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ihl < 20 || total < ihl || total > ip.Length)
        {
            return new HeaderLayout(EtherType.IPv4, -1, 0, -1, 0, 0);
        }
        bool laterFragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1fff) != 0;
        byte proto = ip[9];
        return laterFragment
            ? new HeaderLayout(EtherType.IPv4, l3, total, -1, 0, proto)
            : new HeaderLayout(EtherType.IPv4, l3, total, l3 + ihl, total - ihl, proto);
    }

    // RFC 8200 §3-4: fixed 40-byte header, then extension headers up to the transport header.
    private static HeaderLayout LocateIpv6(ReadOnlySpan<byte> ip, int l3)
    {
        if (ip.Length < 40 || ip[0] >> 4 != 6)
        {
            return new HeaderLayout(EtherType.IPv6, -1, 0, -1, 0, 0);
        }
        int payload = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        if (payload > ip.Length - 40)
        {
            return new HeaderLayout(EtherType.IPv6, -1, 0, -1, 0, 0);
        }
        int end = 40 + payload;
        int at = 40;
        byte next = ip[6];
        for (int i = 0; i < 16; i++)
        {
            int length;
            switch (next)
            {
                case 0 or 43 or 60:
                    length = at + 2 <= end ? (ip[at + 1] + 1) * 8 : int.MaxValue;
                    break;
                case 51:
                    length = at + 2 <= end ? (ip[at + 1] + 2) * 4 : int.MaxValue;
                    break;
                case 44:
                    if (at + 8 > end || (BinaryPrimitives.ReadUInt16BigEndian(ip[(at + 2)..]) & 0xfff8) != 0)
                    {
                        return new HeaderLayout(EtherType.IPv6, l3, end, -1, 0, ip[at]);
                    }
                    length = 8;
                    break;
                default:
                    return new HeaderLayout(EtherType.IPv6, l3, end, l3 + at, end - at, next);
            }
            if (length > end - at)
            {
                return new HeaderLayout(EtherType.IPv6, l3, end, -1, 0, next);
            }
            next = ip[at];
            at += length;
        }
        return new HeaderLayout(EtherType.IPv6, l3, end, -1, 0, next);
    }
}
