using System.Buffers.Binary;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;

namespace VSwitch.Core.Offload;

/// <summary>
/// TCP segmentation in software (the kernel's <c>tcp_gso_segment</c>, DPDK's <c>rte_gso</c>): cuts a TCPv4 or TCPv6
/// super-frame into segments of <see cref="PacketOffload.GsoSize"/> payload bytes, each a complete frame with the
/// super-frame's Ethernet, VLAN, IP and TCP headers (options included) and:
/// IPv4 total length, identification + segment index and a fresh header checksum (RFC 791); IPv6 payload length
/// (RFC 8200); TCP sequence number advanced by the payload before it, FIN and PSH only on the last segment, CWR only
/// on the first (RFC 3168 §6.1.2: CWR is sent once), and a full TCP checksum over pseudo-header, header and payload
/// (RFC 9293 §3.1). Design note: <see cref="TryParse"/> re-reads every header from the frame (hdr_len, csum_start and
/// the IP lengths are not trusted), then <see cref="TryWriteSegment"/> writes one segment into a buffer the caller
/// rented, so the caller decides where segments go and how many batches they fill; the super-frame is only read
/// (it may be lent memory). IPv6 extension headers and IPv4 fragments are not segmented (dropped as
/// <see cref="DropReason.OffloadSegmentationFailed"/>; no sender produces them for TCP GSO).
/// Stateless and thread-safe; no allocation, no exception. Cost: one copy and one checksum pass per segment.
/// </summary>
public static unsafe class TcpSegmenter
{
    /// <summary>
    /// Smallest segment payload accepted: Linux never sends an MSS below 48 bytes (TCP_MIN_SND_MSS), and a hostile
    /// gso_size of 1 would otherwise turn one 64 KiB frame into 65,535 segments.
    /// </summary>
    public const int MinSegmentPayload = 48;

    private const byte ProtocolTcp = 6;
    private const int Ipv4MinHeader = 20;
    private const int Ipv6Header = 40;
    private const int TcpMinHeader = 20;
    private const int MaxVlanTags = 2;
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;

    /// <summary>
    /// Finds the headers of the super-frame <paramref name="frame"/>, which <paramref name="offload"/> says is
    /// <see cref="GsoType.TcpV4"/> or <see cref="GsoType.TcpV6"/>. Returns false with
    /// <see cref="DropReason.OffloadSegmentationFailed"/> when the frame is not what it claims: another EtherType or IP
    /// version, not TCP, an IPv4 fragment or IPv6 extension header, an IP header or TCP header (options included) that
    /// overruns the frame or its IP length, an IP length beyond the frame, or a segment size below
    /// <see cref="MinSegmentPayload"/>. Reads nothing outside <paramref name="frame"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, in PacketOffload offload, out TcpSuperFrame layout, out DropReason reason)
    {
        layout = default;
        reason = DropReason.OffloadSegmentationFailed;
        if (offload.Gso is not (GsoType.TcpV4 or GsoType.TcpV6) || offload.GsoSize < MinSegmentPayload
            || frame.Length < EthernetHeader.Size)
        {
            return false;
        }
        int typeAt = EthernetHeader.TypeOffset;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[typeAt..]);
        for (int tags = 0; tags < MaxVlanTags && type is EtherType.Vlan or EtherType.QinQ; tags++)
        {
            typeAt += VlanTag.Size;
            if (typeAt + 2 > frame.Length)
            {
                return false;
            }
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[typeAt..]);
        }
        int l3 = typeAt + 2;
        bool ipv6 = offload.Gso == GsoType.TcpV6;
        int l4;
        int end;
        if (!ipv6)
        {
            // RFC 791: version 4, IHL in 32-bit words (at least 5), total length, no fragment bits, protocol 6.
            if (type != EtherType.IPv4 || l3 + Ipv4MinHeader > frame.Length || frame[l3] >> 4 != 4)
            {
                return false;
            }
            int ihl = (frame[l3] & 0x0f) * 4;
            end = l3 + BinaryPrimitives.ReadUInt16BigEndian(frame[(l3 + 2)..]);
            bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(frame[(l3 + 6)..]) & 0x3fff) != 0;
            if (ihl < Ipv4MinHeader || fragment || frame[l3 + 9] != ProtocolTcp)
            {
                return false;
            }
            l4 = l3 + ihl;
        }
        else
        {
            // RFC 8200 §3: version 6, payload length after the 40-byte header, next header TCP directly.
            if (type != EtherType.IPv6 || l3 + Ipv6Header > frame.Length || frame[l3] >> 4 != 6 || frame[l3 + 6] != ProtocolTcp)
            {
                return false;
            }
            end = l3 + Ipv6Header + BinaryPrimitives.ReadUInt16BigEndian(frame[(l3 + 4)..]);
            l4 = l3 + Ipv6Header;
        }
        // RFC 9293 §3.1: data offset in 32-bit words, at least 5, options inside the datagram.
        if (end > frame.Length || l4 + TcpMinHeader > end)
        {
            return false;
        }
        int headerBytes = l4 + (frame[l4 + 12] >> 4) * 4;
        if (headerBytes < l4 + TcpMinHeader || headerBytes > end)
        {
            return false;
        }
        layout = new TcpSuperFrame
        {
            L3 = l3,
            L4 = l4,
            HeaderBytes = headerBytes,
            PayloadBytes = end - headerBytes,
            SegmentPayload = offload.GsoSize,
            IsIpv6 = ipv6,
        };
        reason = default;
        return true;
    }

    /// <summary>
    /// Writes segment <paramref name="index"/> (0 ≤ index &lt; <see cref="TcpSuperFrame.SegmentCount"/>) of the
    /// super-frame <paramref name="superFrame"/>, parsed into <paramref name="layout"/>, into
    /// <paramref name="segment"/>, an empty owned buffer the caller rented. The segment is a plain frame (no offload
    /// metadata) and arrives from the super-frame's port. Returns false, with the segment left empty, when it does
    /// not fit <paramref name="segment"/> or the index is out of range.
    /// </summary>
    public static bool TryWriteSegment(PacketBuffer superFrame, in TcpSuperFrame layout, int index, PacketBuffer segment)
    {
        int offset = index * layout.SegmentPayload;
        if ((uint)index >= (uint)layout.SegmentCount || layout.HeaderBytes + layout.PayloadBytes > superFrame.Length)
        {
            return false;
        }
        int payload = Math.Min(layout.SegmentPayload, layout.PayloadBytes - offset);
        int length = layout.HeaderBytes + payload;
        segment.Reset();
        if (!segment.TrySetLength(length))
        {
            return false;
        }
        segment.InPort = superFrame.InPort;
        segment.Tunnel = superFrame.Tunnel;
        byte* src = superFrame.Data;
        byte* dst = segment.Data;
        // SAFETY: HeaderBytes + PayloadBytes <= superFrame.Length (checked above, and by TryParse), and
        // offset + payload <= PayloadBytes; the segment owns length = HeaderBytes + payload bytes (TrySetLength).
        Buffer.MemoryCopy(src, dst, length, layout.HeaderBytes);
        Buffer.MemoryCopy(src + layout.HeaderBytes + offset, dst + layout.HeaderBytes, payload, payload);
        FixHeaders(segment.Span, in layout, index, offset, last: index == layout.SegmentCount - 1);
        return true;
    }

    private static void FixHeaders(Span<byte> s, in TcpSuperFrame layout, int index, int offset, bool last)
    {
        int l3 = layout.L3;
        int l4 = layout.L4;
        if (!layout.IsIpv6)
        {
            // The header length as parsed, not as the copy says: lent memory may have changed under us since.
            int ihl = l4 - l3;
            BinaryPrimitives.WriteUInt16BigEndian(s[(l3 + 2)..], (ushort)(s.Length - l3));
            Span<byte> id = s[(l3 + 4)..];
            BinaryPrimitives.WriteUInt16BigEndian(id, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(id) + index));
            s[l3 + 10] = 0;
            s[l3 + 11] = 0;
            fixed (byte* ip = &s[l3])
            {
                // SAFETY: [l3, l4) lies inside the segment's HeaderBytes (TryParse's layout). RFC 791: the header
                // checksum is the complement of the sum of the header's words.
                InternetChecksum.Store(ip + 10, (ushort)~InternetChecksum.Fold(InternetChecksum.Add(ip, ihl, 0)));
            }
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(s[(l3 + 4)..], (ushort)(s.Length - l3 - Ipv6Header));
        }
        Span<byte> seq = s[(l4 + 4)..];
        BinaryPrimitives.WriteUInt32BigEndian(seq, BinaryPrimitives.ReadUInt32BigEndian(seq) + (uint)offset);
        byte flags = s[l4 + 13];
        if (!last)
        {
            flags &= unchecked((byte)~(TcpFin | TcpPsh));
        }
        if (index != 0)
        {
            flags &= unchecked((byte)~TcpCwr);
        }
        s[l4 + 13] = flags;
        s[l4 + 16] = 0;
        s[l4 + 17] = 0;
        int tcpLength = s.Length - l4;
        fixed (byte* frame = s)
        {
            // SAFETY: the addresses (IPv4 at l3+12, 8 bytes; IPv6 at l3+8, 32 bytes) and the TCP header and payload
            // [l4, s.Length) lie inside the segment. RFC 9293 §3.1 and RFC 8200 §8.1: the pseudo-header holds both
            // addresses, the protocol and the TCP length.
            ulong sum = layout.IsIpv6
                ? InternetChecksum.Add(frame + l3 + 8, 32, 0)
                : InternetChecksum.Add(frame + l3 + 12, 8, 0);
            sum += InternetChecksum.Word(ProtocolTcp) + InternetChecksum.Word((ushort)tcpLength);
            sum = InternetChecksum.Add(frame + l4, tcpLength, sum);
            InternetChecksum.Store(frame + l4 + 16, InternetChecksum.Finish(sum));
        }
    }
}
