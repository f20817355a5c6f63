using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Offload;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The rules by which consecutive inner frames of one <c>UDP_GRO</c> run are put back together into one TCP super-frame
/// (software GRO, as the kernel's <c>inet_gro_receive</c> and <c>tcp_gro_receive</c> decide it), and the header fix-up of
/// the result. A frame is a candidate when it is an untagged IPv4 frame without IP options or fragment bits (DF allowed)
/// whose IP total length is exactly the frame, carrying TCP with ACK set and no flag but ACK and PSH, and at least
/// <see cref="TcpSegmenter.MinSegmentPayload"/> payload bytes. A later frame joins the first when its Ethernet header,
/// IP header (all but total length, identification and checksum) and TCP header (all but sequence number, PSH and
/// checksum; options byte for byte) are the first's, its sequence number follows the payload before it, its
/// identification is the first's plus its index (or DF is set), its payload is not larger than the first's, and both
/// its IP header checksum and its TCP checksum verify. The run ends after a frame with PSH or a shorter payload. IPv6
/// is not coalesced. Stateless; no allocation, no exception; reads only the bytes it is given.
/// </summary>
internal static unsafe class InnerTcpSegment
{
    /// <summary>Where the IPv4 header starts (an untagged frame).</summary>
    public const int L3 = 14;

    /// <summary>Where the TCP header starts (IPv4 without options).</summary>
    public const int L4 = L3 + 20;

    /// <summary>Offset of the TCP checksum field in the TCP header.</summary>
    public const int TcpChecksumOffset = 16;

    private const byte TcpAck = 0x10;
    private const byte TcpPsh = 0x08;

    /// <summary>
    /// Checks that <paramref name="frame"/> (<paramref name="length"/> bytes) is a candidate and returns its headers'
    /// length (Ethernet + IP + TCP with options) in <paramref name="headerBytes"/> and its TCP flags in
    /// <paramref name="flags"/>; the payload length, or -1 when it is no candidate. Checksums are not looked at.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Candidate(byte* frame, int length, out int headerBytes, out byte flags)
    {
        headerBytes = 0;
        flags = 0;
        // SAFETY: every read below is at an offset checked against length first (L4 + 20 before the fixed headers,
        // headerBytes before the options).
        if (length < L4 + 20 || Read16(frame + 12) != 0x0800 || frame[L3] != 0x45
            || frame[L3 + 9] != 6 || (Read16(frame + L3 + 6) & 0x3fff) != 0
            || Read16(frame + L3 + 2) != length - L3)
        {
            return -1;
        }
        flags = frame[L4 + 13];
        headerBytes = L4 + ((frame[L4 + 12] >> 4) * 4);
        if ((flags & ~TcpPsh) != TcpAck || headerBytes < L4 + 20 || headerBytes > length)
        {
            return -1;
        }
        int payload = length - headerBytes;
        return payload >= TcpSegmenter.MinSegmentPayload ? payload : -1;
    }

    /// <summary>
    /// True when <paramref name="next"/> (a candidate with the same <paramref name="headerBytes"/>) has the headers of
    /// <paramref name="first"/> but for the fields a segment changes, sequence number <paramref name="seq"/> and an
    /// identification that fits being the <paramref name="index"/>-th segment.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Follows(byte* first, byte* next, int headerBytes, uint seq, int index)
    {
        // SAFETY: both frames hold at least headerBytes bytes (Candidate checked each against its length).
        // Ethernet, IP version/IHL/TOS; IP flags/fragment, TTL, protocol; addresses and ports; ack and data offset;
        // window; urgent pointer and options.
        if (!Same(first, next, 0, L3 + 2) || !Same(first, next, L3 + 6, L3 + 10) || !Same(first, next, L3 + 12, L4 + 4)
            || !Same(first, next, L4 + 8, L4 + 13) || !Same(first, next, L4 + 14, L4 + 16) || !Same(first, next, L4 + 18, headerBytes))
        {
            return false;
        }
        if (Read32(next + L4 + 4) != seq)
        {
            return false;
        }
        bool dontFragment = (next[L3 + 6] & 0x40) != 0;
        return dontFragment || Read16(next + L3 + 4) == (ushort)(Read16(first + L3 + 4) + index);
    }

    /// <summary>True when the IPv4 header checksum and the TCP checksum of the candidate <paramref name="frame"/> verify.</summary>
    public static bool ChecksumsValid(byte* frame, int length)
    {
        // SAFETY: a candidate holds L4 + its TCP header and payload, length bytes in all (Candidate checked).
        if (InternetChecksum.Fold(InternetChecksum.Add(frame + L3, 20, 0)) != 0xffff)
        {
            return false;
        }
        int tcpLength = length - L4;
        ulong sum = InternetChecksum.Add(frame + L3 + 12, 8, 0) + InternetChecksum.Word(6) + InternetChecksum.Word((ushort)tcpLength);
        return InternetChecksum.Fold(InternetChecksum.Add(frame + L4, tcpLength, sum)) == 0xffff;
    }

    /// <summary>
    /// Turns the first segment's headers at the front of <paramref name="frame"/>, now followed by every coalesced
    /// payload (<paramref name="length"/> bytes in all), into a super-frame's: IP total length and header checksum,
    /// PSH when <paramref name="push"/>, and in the TCP checksum field the pseudo-header sum over the whole TCP length,
    /// not complemented (what a pending checksum holds, as a TSO super-frame from a tap carries it).
    /// </summary>
    public static void FinishSuperFrame(byte* frame, int length, bool push)
    {
        // SAFETY: frame holds length >= headerBytes bytes, with the headers of a candidate at its front.
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(frame + L3 + 2, 2), (ushort)(length - L3));
        frame[L3 + 10] = 0;
        frame[L3 + 11] = 0;
        InternetChecksum.Store(frame + L3 + 10, (ushort)~InternetChecksum.Fold(InternetChecksum.Add(frame + L3, 20, 0)));
        if (push)
        {
            frame[L4 + 13] |= TcpPsh;
        }
        ulong pseudo = InternetChecksum.Add(frame + L3 + 12, 8, 0) + InternetChecksum.Word(6) + InternetChecksum.Word((ushort)(length - L4));
        InternetChecksum.Store(frame + L4 + TcpChecksumOffset, InternetChecksum.Fold(pseudo));
    }

    /// <summary>The TCP sequence number of a candidate.</summary>
    public static uint Sequence(byte* frame) => Read32(frame + L4 + 4);

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
