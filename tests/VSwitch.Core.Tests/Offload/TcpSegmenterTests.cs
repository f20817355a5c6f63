using System.Buffers.Binary;
using PacketDotNet;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.TestKit;
using VSwitch.TestKit.Offload;
using Xunit;

namespace VSwitch.Core.Tests.Offload;

/// <summary>
/// Software segmentation against the plain reference (<see cref="L4Frames"/>) and PacketDotNet's checksum checks, for
/// random TCP super-frames over IPv4 and IPv6 with VLAN tags, IP and TCP options and odd sizes; and super-frames that lie.
/// </summary>
public sealed class TcpSegmenterTests
{
    private const int SegmentRoom = 9216 + 64;
    private readonly PacketPool _superFrames = new(2, dataRoom: 70_000);
    private readonly PacketPool _segments = new(4, dataRoom: SegmentRoom);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Segments_equal_the_reference_for_random_super_frames(int seed)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 40; round++)
        {
            L4FrameSpec probe = L4Frames.Random(rng, 0);
            int headers = L4Frames.Layout(probe).HeaderBytes;
            int payload = rng.Next(4) switch
            {
                0 => 65535 - (headers - 14 - (4 * probe.VlanTags)), // the largest IP datagram
                1 => rng.Next(0, 200),
                _ => rng.Next(0, 65535 - headers),
            };
            int mss = rng.Next(3) == 0 ? rng.Next(TcpSegmenter.MinSegmentPayload, 200) : rng.Next(TcpSegmenter.MinSegmentPayload, 9000);
            L4FrameSpec spec = probe with { Payload = new byte[payload] };
            rng.NextBytes(spec.Payload);
            AssertSegmentsMatchReference(spec, mss);
        }
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 2)]
    public void Fin_and_psh_go_on_the_last_segment_and_cwr_on_the_first(bool ipv6, int tags)
    {
        var spec = new L4FrameSpec
        {
            Ipv6 = ipv6,
            VlanTags = tags,
            SrcIp = ipv6 ? new byte[16] : [10, 0, 0, 1],
            DstIp = ipv6 ? Enumerable.Repeat((byte)7, 16).ToArray() : [10, 0, 0, 2],
            TcpFlags = 0x80 | 0x40 | 0x10 | 0x08 | 0x01, // CWR ECE ACK PSH FIN
            Seq = 0xffff_ff00, // wraps
            IpId = 0xfffe, // wraps
            Payload = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray(),
        };
        List<byte[]> segments = AssertSegmentsMatchReference(spec, 1000);
        var (_, l4, _) = L4Frames.Layout(spec);
        Assert.Equal([0xc0 | 0x10, 0x40 | 0x10, 0x40 | 0x10 | 0x08 | 0x01], segments.Select(s => (int)s[l4 + 13]).ToArray());
        Assert.Equal([0xffff_ff00u, unchecked(0xffff_ff00u + 1000), unchecked(0xffff_ff00u + 2000)], segments.Select(s => BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(l4 + 4))).ToArray());
    }

    [Fact]
    public void Checksums_pass_PacketDotNet_on_untagged_segments()
    {
        var rng = new Random(11);
        for (int round = 0; round < 20; round++)
        {
            L4FrameSpec spec = L4Frames.Random(rng, rng.Next(1, 20_000)) with { VlanTags = 0 };
            foreach (byte[] segment in Segment(spec, 1448, out DropReason? _))
            {
                Packet parsed = PacketFactory.Parse(segment);
                TcpPacket tcp = parsed.Extract<TcpPacket>();
                Assert.True(tcp.ValidTcpChecksum, spec.ToString());
                if (parsed.Extract<IPv4Packet>() is { } ip)
                {
                    Assert.True(ip.ValidIPChecksum, spec.ToString());
                }
            }
        }
    }

    [Fact]
    public void Ethernet_padding_behind_the_datagram_is_not_payload()
    {
        var spec = new L4FrameSpec { Payload = [1, 2] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1000);
        byte[] padded = [.. frame, .. new byte[60 - frame.Length]];
        List<byte[]> segments = Segment(padded, offload, out DropReason? failure);
        Assert.Null(failure);
        Assert.Equal(L4Frames.ReferenceSegments(spec, 1000), segments);
    }

    public static TheoryData<string> Lies => new()
    {
        "udp", "v6 frame said v4", "v4 frame said v6", "fragment", "more fragments", "ihl 4", "ihl past frame", "total length past frame",
        "tcp header past datagram", "data offset 4", "options past datagram", "ipv6 extension header", "ipv6 payload past frame",
        "gso size 0", "gso size 47", "not gso", "runt", "three vlan tags", "ip version 5",
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public void A_super_frame_that_lies_is_refused_with_a_reason(string lie)
    {
        bool v6 = lie.StartsWith("v6", StringComparison.Ordinal) || lie.StartsWith("ipv6", StringComparison.Ordinal);
        var spec = new L4FrameSpec
        {
            Ipv6 = v6,
            Udp = lie == "udp",
            VlanTags = lie == "three vlan tags" ? 2 : 0,
            SrcIp = v6 ? new byte[16] : [10, 0, 0, 1],
            DstIp = v6 ? new byte[16] : [10, 0, 0, 2],
            TcpOptions = new byte[12],
            Payload = new byte[5000],
        };
        var (frame, offload) = L4Frames.BuildOffloaded(spec);
        offload.Gso = v6 ? GsoType.TcpV6 : GsoType.TcpV4;
        offload.GsoSize = 1000;
        var (l3, l4, _) = L4Frames.Layout(spec);
        switch (lie)
        {
            case "v6 frame said v4": offload.Gso = GsoType.TcpV4; break;
            case "v4 frame said v6": offload.Gso = GsoType.TcpV6; break;
            case "fragment": frame[l3 + 7] = 1; break;
            case "more fragments": frame[l3 + 6] |= 0x20; break;
            case "ihl 4": frame[l3] = 0x44; break;
            case "ihl past frame": frame[l3] = 0x4f; frame = frame[..(l3 + 40)]; break;
            case "total length past frame": BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l3 + 2), (ushort)(frame.Length - l3 + 1)); break;
            case "tcp header past datagram": BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l3 + 2), 20 + 19); break;
            case "data offset 4": frame[l4 + 12] = 0x40; break;
            case "options past datagram": frame[l4 + 12] = 0xf0; BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l3 + 2), 20 + 40); break;
            case "ipv6 extension header": frame[l3 + 6] = 0; break;
            case "ipv6 payload past frame": BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l3 + 4), (ushort)(frame.Length - l3 - 39)); break;
            case "gso size 0": offload.GsoSize = 0; break;
            case "gso size 47": offload.GsoSize = 47; break;
            case "not gso": offload.Gso = GsoType.None; break;
            case "runt": frame = frame[..13]; break;
            case "three vlan tags": frame = PacketFactory.WithVlan(frame, 5, tpid: 0x88a8); break;
            case "ip version 5": frame[l3] = 0x55; break;
        }

        List<byte[]> segments = Segment(frame, offload, out DropReason? failure);

        Assert.Empty(segments);
        Assert.Equal(DropReason.OffloadSegmentationFailed, failure);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public void Random_bytes_and_metadata_never_throw_and_segments_stay_inside_their_frame(int seed)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 3000; round++)
        {
            // A real super-frame with a few random bytes changed, or random bytes altogether.
            L4FrameSpec spec = L4Frames.Random(rng, rng.Next(0, 3000));
            var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: rng.Next(1, 2000));
            if (rng.Next(4) == 0)
            {
                rng.NextBytes(frame);
            }
            for (int m = rng.Next(1, 6); m > 0; m--)
            {
                frame[rng.Next(Math.Min(frame.Length, 140))] = (byte)rng.Next(256);
            }
            frame = frame[..rng.Next(Math.Max(1, frame.Length - 64), frame.Length + 1)];
            offload.Gso = (GsoType)rng.Next(6);
            offload.GsoSize = (ushort)rng.Next(0, 3000);
            List<byte[]> segments = Segment(frame, offload, out DropReason? failure);
            if (failure is null)
            {
                Assert.All(segments, s => Assert.True(s.Length <= frame.Length, "a segment is never longer than its super-frame"));
                Assert.All(segments, s => Assert.True(L4Frames.ChecksumsValid(s)));
            }
        }
    }

    [Fact]
    public void A_segment_larger_than_the_buffer_is_refused_without_writing()
    {
        var spec = new L4FrameSpec { Payload = new byte[20_000] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: SegmentRoom);
        Assert.True(_superFrames.TryRent(out PacketBuffer? superFrame));
        Assert.True(superFrame.TryCopyFrom(frame));
        superFrame.Offload = offload;
        Assert.True(TcpSegmenter.TryParse(superFrame.Span, in superFrame.Offload, out TcpSuperFrame layout, out _));
        Assert.True(_segments.TryRent(out PacketBuffer? segment));
        Assert.False(TcpSegmenter.TryWriteSegment(superFrame, in layout, 0, segment));
        Assert.Equal(0, segment.Length);
        Assert.False(TcpSegmenter.TryWriteSegment(superFrame, in layout, layout.SegmentCount, segment));
        segment.Free();
        superFrame.Free();
    }

    private List<byte[]> AssertSegmentsMatchReference(L4FrameSpec spec, int mss)
    {
        List<byte[]> segments = Segment(spec, mss, out DropReason? failure);
        Assert.True(failure is null, $"{spec} mss={mss}: {failure}");
        List<byte[]> expected = L4Frames.ReferenceSegments(spec, mss);
        Assert.True(expected.Count == segments.Count, $"{spec} mss={mss}: {segments.Count} segments, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(segments[i]), $"{spec} mss={mss}: segment {i} differs");
            Assert.True(L4Frames.ChecksumsValid(segments[i]), $"{spec} mss={mss}: segment {i} checksum");
        }
        return segments;
    }

    private List<byte[]> Segment(L4FrameSpec spec, int mss, out DropReason? failure)
    {
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss, ecn: (spec.TcpFlags & 0x80) != 0);
        return Segment(frame, offload, out failure);
    }

    /// <summary>Segments <paramref name="frame"/> as the datapath would; <paramref name="failure"/> is null when it worked.</summary>
    private List<byte[]> Segment(byte[] frame, PacketOffload offload, out DropReason? failure)
    {
        failure = null;
        var segments = new List<byte[]>();
        Assert.True(_superFrames.TryRent(out PacketBuffer? superFrame));
        Assert.True(superFrame.TryCopyFrom(frame));
        superFrame.Offload = offload;
        try
        {
            if (!TcpSegmenter.TryParse(superFrame.Span, in superFrame.Offload, out TcpSuperFrame layout, out DropReason reason))
            {
                failure = reason;
                return segments;
            }
            for (int s = 0; s < layout.SegmentCount; s++)
            {
                Assert.True(_segments.TryRent(out PacketBuffer? segment));
                bool written = TcpSegmenter.TryWriteSegment(superFrame, in layout, s, segment);
                if (written)
                {
                    Assert.True(segment.Offload.IsPlain);
                    segments.Add(segment.Span.ToArray());
                }
                segment.Free();
                if (!written)
                {
                    failure = DropReason.PacketTooLarge;
                    return segments;
                }
            }
            Assert.Equal(frame, superFrame.Span.ToArray()); // the super-frame is only read
            return segments;
        }
        finally
        {
            superFrame.Free();
        }
    }
}
