using System.Buffers.Binary;
using VSwitch.Core.Packets;

namespace VSwitch.TestKit.Offload;

/// <summary>
/// A plain reference for checksum and segmentation offload, written for clarity and independent of the switch's code:
/// builds TCP/UDP frames byte by byte from an <see cref="L4FrameSpec"/> (checksums summed a word at a time, RFC 1071),
/// builds the super-frame a sender with checksum offload hands over (the L4 checksum field holding the pseudo-header
/// sum, as the kernel's CHECKSUM_PARTIAL), the segments a correct segmenter must produce from it, and checks
/// checksums of any frame. Test code only: allocates freely.
/// </summary>
public static class L4Frames
{
    /// <summary>Builds the frame of <paramref name="spec"/> with complete checksums.</summary>
    public static byte[] Build(L4FrameSpec spec) => Build(spec, spec.Payload, spec.Seq, spec.IpId, spec.TcpFlags, partial: false);

    /// <summary>
    /// The frame with its L4 checksum left to the receiver and the offload metadata that says so; with
    /// <paramref name="mss"/> &gt; 0 it is a TCP super-frame (GSO type from the IP version, ECN when CWR is set and
    /// <paramref name="ecn"/>).
    /// </summary>
    public static (byte[] Frame, PacketOffload Offload) BuildOffloaded(L4FrameSpec spec, int mss = 0, bool ecn = false)
    {
        byte[] frame = Build(spec, spec.Payload, spec.Seq, spec.IpId, spec.TcpFlags, partial: true);
        var (_, l4, headerBytes) = Layout(spec);
        var offload = new PacketOffload
        {
            Flags = OffloadFlags.NeedsCsum,
            CsumStart = (ushort)l4,
            CsumOffset = (ushort)(spec.Udp ? 6 : 16),
        };
        if (mss > 0)
        {
            offload.Gso = spec.Ipv6 ? GsoType.TcpV6 : GsoType.TcpV4;
            offload.GsoSize = (ushort)mss;
            offload.HdrLen = (ushort)headerBytes;
            offload.GsoEcn = ecn;
        }
        return (frame, offload);
    }

    /// <summary>The segments a TCP super-frame of <paramref name="spec"/> becomes with <paramref name="mss"/> payload bytes each.</summary>
    public static List<byte[]> ReferenceSegments(L4FrameSpec spec, int mss)
    {
        var segments = new List<byte[]>();
        int total = spec.Payload.Length;
        int count = total <= mss ? 1 : (total + mss - 1) / mss;
        for (int i = 0; i < count; i++)
        {
            int offset = i * mss;
            int length = Math.Min(mss, total - offset);
            byte flags = spec.TcpFlags;
            if (i != count - 1)
            {
                flags &= 0xff ^ (0x01 | 0x08); // FIN and PSH only on the last segment
            }
            if (i != 0)
            {
                flags &= 0xff ^ 0x80; // CWR only on the first
            }
            segments.Add(Build(spec, spec.Payload.AsSpan(offset, length), spec.Seq + (uint)offset, (ushort)(spec.IpId + i), flags, partial: false));
        }
        return segments;
    }

    /// <summary>Offsets of the IP header, the L4 header and the payload.</summary>
    public static (int L3, int L4, int HeaderBytes) Layout(L4FrameSpec spec)
    {
        int l3 = 14 + (4 * spec.VlanTags);
        int l4 = l3 + (spec.Ipv6 ? 40 : 20 + spec.IpOptions.Length);
        return (l3, l4, l4 + (spec.Udp ? 8 : 20 + spec.TcpOptions.Length));
    }

    /// <summary>
    /// True when the IPv4 header checksum (if any) and the TCP or UDP checksum of <paramref name="frame"/> verify
    /// (RFC 1071: the sum over the covered words, checksum included, is all ones).
    /// </summary>
    public static bool ChecksumsValid(byte[] frame)
    {
        int at = 12;
        int type = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at));
        while (type is 0x8100 or 0x88a8)
        {
            at += 4;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at));
        }
        int l3 = at + 2;
        int l4;
        int end;
        byte proto;
        uint pseudo;
        if (type == 0x0800)
        {
            int ihl = (frame[l3] & 15) * 4;
            if (Fold(Sum(frame.AsSpan(l3, ihl))) != 0xffff)
            {
                return false;
            }
            l4 = l3 + ihl;
            end = l3 + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(l3 + 2));
            proto = frame[l3 + 9];
            pseudo = Sum(frame.AsSpan(l3 + 12, 8));
        }
        else
        {
            l4 = l3 + 40;
            end = l4 + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(l3 + 4));
            proto = frame[l3 + 6];
            pseudo = Sum(frame.AsSpan(l3 + 8, 32));
        }
        pseudo += proto + (uint)(end - l4);
        return Fold(pseudo + Sum(frame.AsSpan(l4, end - l4))) == 0xffff;
    }

    /// <summary>RFC 1071 sum of big-endian words (an odd last byte padded with zero), not folded.</summary>
    public static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
        }
        return sum;
    }

    /// <summary>Folds a sum to 16 bits with end-around carry.</summary>
    public static ushort Fold(uint sum)
    {
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)sum;
    }

    private static byte[] Build(L4FrameSpec spec, ReadOnlySpan<byte> payload, uint seq, ushort ipId, byte flags, bool partial)
    {
        var (l3, l4, headerBytes) = Layout(spec);
        byte[] f = new byte[headerBytes + payload.Length];
        // Ethernet: 02:00:00:00:00:02 <- 02:00:00:00:00:01, then the tags (outer 802.1ad when there are two).
        f[0] = 2; f[5] = 2; f[6] = 2; f[11] = 1;
        int at = 12;
        for (int t = 0; t < spec.VlanTags; t++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(at), t == 0 && spec.VlanTags == 2 ? (ushort)0x88a8 : (ushort)0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(at + 2), (ushort)(100 + t));
            at += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(at), spec.Ipv6 ? (ushort)0x86dd : (ushort)0x0800);
        byte proto = spec.Udp ? (byte)17 : (byte)6;
        int l4Length = f.Length - l4;
        if (spec.Ipv6)
        {
            f[l3] = (byte)(0x60 | (spec.Tos >> 4));
            f[l3 + 1] = (byte)(spec.Tos << 4);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l3 + 4), (ushort)l4Length);
            f[l3 + 6] = proto;
            f[l3 + 7] = 64;
            spec.SrcIp.CopyTo(f, l3 + 8);
            spec.DstIp.CopyTo(f, l3 + 24);
        }
        else
        {
            int ihl = 20 + spec.IpOptions.Length;
            f[l3] = (byte)(0x40 | (ihl / 4));
            f[l3 + 1] = spec.Tos;
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l3 + 2), (ushort)(f.Length - l3));
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l3 + 4), ipId);
            f[l3 + 6] = 0x40; // DF
            f[l3 + 8] = 64;
            f[l3 + 9] = proto;
            spec.SrcIp.CopyTo(f, l3 + 12);
            spec.DstIp.CopyTo(f, l3 + 16);
            spec.IpOptions.CopyTo(f, l3 + 20);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l3 + 10), (ushort)~Fold(Sum(f.AsSpan(l3, ihl))));
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4), spec.SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 2), spec.DstPort);
        int checksumAt;
        if (spec.Udp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 4), (ushort)l4Length);
            checksumAt = l4 + 6;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(l4 + 4), seq);
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(l4 + 8), spec.Ack);
            f[l4 + 12] = (byte)((20 + spec.TcpOptions.Length) / 4 << 4);
            f[l4 + 13] = flags;
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(l4 + 14), 0xfaf0);
            spec.TcpOptions.CopyTo(f, l4 + 20);
            checksumAt = l4 + 16;
        }
        payload.CopyTo(f.AsSpan(headerBytes));
        uint pseudo = spec.Ipv6 ? Sum(f.AsSpan(l3 + 8, 32)) : Sum(f.AsSpan(l3 + 12, 8));
        pseudo += proto + (uint)l4Length;
        ushort check;
        if (partial)
        {
            check = Fold(pseudo); // CHECKSUM_PARTIAL: the pseudo-header sum, not complemented
        }
        else
        {
            check = (ushort)~Fold(pseudo + Sum(f.AsSpan(l4)));
            check = check == 0 ? (ushort)0xffff : check; // 0 is sent as 0xffff (RFC 768; the same number for TCP)
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(checksumAt), check);
        return f;
    }

    /// <summary>
    /// A random spec: IPv4 or IPv6, TCP (or UDP when <paramref name="udp"/>), 0-2 VLAN tags, IPv4 and TCP options of
    /// random length (NOP-padded, ending with an end-of-list kind), random addresses, ports, sequence, id, TOS and flags,
    /// and <paramref name="payloadLength"/> random payload bytes.
    /// </summary>
    public static L4FrameSpec Random(Random rng, int payloadLength, bool udp = false)
    {
        bool v6 = rng.Next(2) == 0;
        byte[] Address() => RandomBytes(rng, v6 ? 16 : 4);
        return new L4FrameSpec
        {
            Ipv6 = v6,
            Udp = udp,
            VlanTags = rng.Next(3),
            IpOptions = v6 ? [] : Options(rng, rng.Next(11) * 4),
            TcpOptions = udp ? [] : Options(rng, rng.Next(11) * 4),
            Tos = (byte)rng.Next(256),
            IpId = (ushort)rng.Next(65536),
            Seq = (uint)rng.NextInt64(1L << 32),
            Ack = (uint)rng.NextInt64(1L << 32),
            TcpFlags = (byte)(rng.Next(256) & ~0x02 | 0x10),
            SrcPort = (ushort)rng.Next(1, 65536),
            DstPort = (ushort)rng.Next(1, 65536),
            SrcIp = Address(),
            DstIp = Address(),
            Payload = RandomBytes(rng, payloadLength),
        };
    }

    private static byte[] Options(Random rng, int length)
    {
        byte[] options = new byte[length];
        if (length == 0)
        {
            return options;
        }
        // Option bytes are opaque to a segmenter; NOPs (1) around random "kind 254" data keep them well-formed enough.
        options.AsSpan().Fill(1);
        if (length >= 8)
        {
            options[0] = 254;
            options[1] = (byte)(length - 4);
            rng.NextBytes(options.AsSpan(2, length - 6));
        }
        options[^1] = 0;
        return options;
    }

    private static byte[] RandomBytes(Random rng, int length)
    {
        byte[] bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }
}
