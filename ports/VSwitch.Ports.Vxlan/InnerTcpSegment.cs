using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Offload;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The rules by which consecutive inner frames of one <c>UDP_GRO</c> run are put back together into one TCP super-frame
/// (software GRO, as the kernel's <c>inet_gro_receive</c>, <c>ipv6_gro_receive</c> and <c>tcp_gro_receive</c> decide it,
/// made strict), and the header fix-up of the result. A frame is a candidate when it is untagged or carries one 802.1Q
/// tag, and is either IPv4 without IP options or fragment bits (DF allowed) whose total length is exactly the frame, or
/// IPv6 whose next header is TCP (no extension header) and whose payload length is exactly the frame; it carries TCP
/// with ACK set and no flag but ACK and PSH, and at least <see cref="TcpSegmenter.MinSegmentPayload"/> payload bytes.
/// A later frame joins the first when its Ethernet header (tag included) and IP header are the first's but for the
/// fields a segment changes (IPv4: total length, identification and checksum; IPv6: payload length only, so traffic
/// class, flow label and hop limit must be equal), its TCP header is the first's but for sequence number, PSH and
/// checksum (options byte for byte), its sequence number follows the payload before it, an IPv4 identification is the
/// first's plus its index (or DF is set), its payload is not larger than the first's, and its checksums verify (IPv4
/// header, and TCP over the IPv4 or IPv6 pseudo-header). The run ends after a frame with PSH or a shorter payload.
/// Stateless; no allocation, no exception; reads only the bytes it is given.
/// </summary>
internal static unsafe class InnerTcpSegment
{
    /// <summary>Offset of the TCP checksum field in the TCP header.</summary>
    public const int TcpChecksumOffset = 16;

    private const int Ethernet = 14;
    private const int VlanTagged = Ethernet + 4;
    private const int Ipv4Header = 20;
    private const int Ipv6Header = 40;
    private const int TcpHeader = 20;
    private const byte TcpAck = 0x10;
    private const byte TcpPsh = 0x08;
    private const byte ProtocolTcp = 6;

    /// <summary>
    /// Checks that <paramref name="frame"/> (<paramref name="length"/> bytes) is a candidate and returns where its IP
    /// header (<paramref name="l3"/>) and TCP header (<paramref name="l4"/>) start, its headers' length (Ethernet + IP +
    /// TCP with options) in <paramref name="headerBytes"/> and its TCP flags in <paramref name="flags"/>; the payload
    /// length, or -1 when it is no candidate. Checksums are not looked at.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Candidate(byte* frame, int length, out int l3, out int l4, out int headerBytes, out byte flags)
    {
        l3 = Ethernet;
        l4 = 0;
        headerBytes = 0;
        flags = 0;
        // SAFETY: every read below is at an offset checked against length first: the smallest candidate (untagged
        // IPv4 and TCP, 54 bytes) holds the tag and the type after it; each family's fixed headers before they are
        // read, headerBytes before the options.
        if (length < Ethernet + Ipv4Header + TcpHeader)
        {
            return -1;
        }
        ushort type = Read16(frame + 12);
        if (type == 0x8100)
        {
            l3 = VlanTagged;
            type = Read16(frame + 16);
        }
        if (type == 0x0800)
        {
            // RFC 791: version 4 with IHL 5, protocol TCP, no fragment bits but DF, total length exactly the frame.
            l4 = l3 + Ipv4Header;
            if (length < l4 + TcpHeader || frame[l3] != 0x45 || frame[l3 + 9] != ProtocolTcp
                || (Read16(frame + l3 + 6) & 0x3fff) != 0 || Read16(frame + l3 + 2) != length - l3)
            {
                return -1;
            }
        }
        else if (type == 0x86dd)
        {
            // RFC 8200 §3: version 6, next header TCP directly, payload length exactly the rest of the frame.
            l4 = l3 + Ipv6Header;
            if (length < l4 + TcpHeader || frame[l3] >> 4 != 6 || frame[l3 + 6] != ProtocolTcp
                || Read16(frame + l3 + 4) != length - l4)
            {
                return -1;
            }
        }
        else
        {
            return -1;
        }
        flags = frame[l4 + 13];
        headerBytes = l4 + ((frame[l4 + 12] >> 4) * 4);
        if ((flags & ~TcpPsh) != TcpAck || headerBytes < l4 + TcpHeader || headerBytes > length)
        {
            return -1;
        }
        int payload = length - headerBytes;
        return payload >= TcpSegmenter.MinSegmentPayload ? payload : -1;
    }

    /// <summary>True when a candidate with its IP header at <paramref name="l3"/> and TCP at <paramref name="l4"/> is IPv6.</summary>
    public static bool IsIpv6(int l3, int l4) => l4 - l3 == Ipv6Header;

    /// <summary>
    /// Where the length the IP header counts starts (the IPv4 header, or the payload after the IPv6 header): a
    /// super-frame's <c>length - LengthBase</c> must fit the 16-bit length field.
    /// </summary>
    public static int LengthBase(int l3, int l4) => IsIpv6(l3, l4) ? l4 : l3;

    /// <summary>
    /// True when <paramref name="next"/> (a candidate with the same <paramref name="l3"/>, <paramref name="l4"/> and
    /// <paramref name="headerBytes"/>) has the headers of <paramref name="first"/> but for the fields a segment changes,
    /// sequence number <paramref name="seq"/> and, for IPv4, an identification that fits being the
    /// <paramref name="index"/>-th segment.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Follows(byte* first, byte* next, int l3, int l4, int headerBytes, uint seq, int index)
    {
        // SAFETY: both frames hold at least headerBytes bytes (Candidate checked each against its length), and
        // l3 < l4 < headerBytes.
        // TCP: addresses' ports come with the IP compare below; ack and data offset; window; urgent pointer and options.
        if (!Same(first, next, l4 + 8, l4 + 13) || !Same(first, next, l4 + 14, l4 + 16) || !Same(first, next, l4 + 18, headerBytes)
            || Read32(next + l4 + 4) != seq)
        {
            return false;
        }
        if (IsIpv6(l3, l4))
        {
            // Ethernet (and tag), version, traffic class and flow label; next header, hop limit, addresses and ports.
            return Same(first, next, 0, l3 + 4) && Same(first, next, l3 + 6, l4 + 4);
        }
        // Ethernet (and tag), version/IHL/TOS; flags/fragment, TTL, protocol; addresses and ports.
        if (!Same(first, next, 0, l3 + 2) || !Same(first, next, l3 + 6, l3 + 10) || !Same(first, next, l3 + 12, l4 + 4))
        {
            return false;
        }
        bool dontFragment = (next[l3 + 6] & 0x40) != 0;
        return dontFragment || Read16(next + l3 + 4) == (ushort)(Read16(first + l3 + 4) + index);
    }

    /// <summary>True when the IPv4 header checksum (IPv4 only) and the TCP checksum of the candidate <paramref name="frame"/> verify.</summary>
    public static bool ChecksumsValid(byte* frame, int length, int l3, int l4)
    {
        // SAFETY: a candidate holds l4 + its TCP header and payload, length bytes in all (Candidate checked).
        int tcpLength = length - l4;
        ulong sum = InternetChecksum.Word(ProtocolTcp) + InternetChecksum.Word((ushort)tcpLength);
        if (IsIpv6(l3, l4))
        {
            // RFC 8200 §8.1: source and destination address, upper-layer length (below 64 KiB here) and next header.
            sum = InternetChecksum.Add(frame + l3 + 8, 32, sum);
        }
        else
        {
            if (InternetChecksum.Fold(InternetChecksum.Add(frame + l3, Ipv4Header, 0)) != 0xffff)
            {
                return false;
            }
            sum = InternetChecksum.Add(frame + l3 + 12, 8, sum);
        }
        return InternetChecksum.Fold(InternetChecksum.Add(frame + l4, tcpLength, sum)) == 0xffff;
    }

    /// <summary>
    /// Turns the first segment's headers at the front of <paramref name="frame"/>, now followed by every coalesced
    /// payload (<paramref name="length"/> bytes in all), into a super-frame's: IPv4 total length and header checksum or
    /// IPv6 payload length, PSH when <paramref name="push"/>, and in the TCP checksum field the pseudo-header sum over
    /// the whole TCP length, not complemented (what a pending checksum holds, as a TSO super-frame from a tap carries it).
    /// </summary>
    public static void FinishSuperFrame(byte* frame, int length, int l3, int l4, bool push)
    {
        // SAFETY: frame holds length >= headerBytes bytes, with the headers of a candidate at its front.
        int tcpLength = length - l4;
        ulong pseudo = InternetChecksum.Word(ProtocolTcp) + InternetChecksum.Word((ushort)tcpLength);
        if (IsIpv6(l3, l4))
        {
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(frame + l3 + 4, 2), (ushort)tcpLength);
            pseudo = InternetChecksum.Add(frame + l3 + 8, 32, pseudo);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(frame + l3 + 2, 2), (ushort)(length - l3));
            frame[l3 + 10] = 0;
            frame[l3 + 11] = 0;
            InternetChecksum.Store(frame + l3 + 10, (ushort)~InternetChecksum.Fold(InternetChecksum.Add(frame + l3, Ipv4Header, 0)));
            pseudo = InternetChecksum.Add(frame + l3 + 12, 8, pseudo);
        }
        if (push)
        {
            frame[l4 + 13] |= TcpPsh;
        }
        InternetChecksum.Store(frame + l4 + TcpChecksumOffset, InternetChecksum.Fold(pseudo));
    }

    /// <summary>The TCP sequence number of a candidate whose TCP header starts at <paramref name="l4"/>.</summary>
    public static uint Sequence(byte* frame, int l4) => Read32(frame + l4 + 4);

    /// <summary>True when the TCP flags include PSH.</summary>
    public static bool HasPush(byte flags) => (flags & TcpPsh) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Same(byte* a, byte* b, int from, int to) =>
        new ReadOnlySpan<byte>(a + from, to - from).SequenceEqual(new ReadOnlySpan<byte>(b + from, to - from));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read32(byte* p) => BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(p, 4));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Read16(byte* p) => BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(p, 2));
}
