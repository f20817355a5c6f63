using System.Buffers.Binary;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Actions;
using VSwitch.Flows.Keys;
using VSwitch.TestKit.Offload;
using Xunit;

namespace VSwitch.Datapath.Tests.Actions;

/// <summary>
/// set_field on IP addresses, transport ports and the traffic class keeps every checksum right, checked against the
/// frame built from scratch with the edited value (a full recompute): a complete checksum is updated incrementally;
/// a pending one (NeedsCsum) stays pending and comes out right when it is finished, for plain frames and super-frames.
/// Random frames (IPv4 or IPv6, TCP or UDP, VLAN tags, options) with fixed seeds.
/// </summary>
public sealed class FieldEditorChecksumTests
{
    private readonly PacketPool _pool = new(2, 66_000);

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 0; seed < 64; seed++)
        {
            data.Add(seed);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void An_edit_of_a_complete_frame_matches_a_full_recompute(int seed)
    {
        var rng = new Random(seed);
        L4FrameSpec spec = L4Frames.Random(rng, rng.Next(0, 200), udp: rng.Next(2) == 0);
        (FlowField field, UInt128 value, L4FrameSpec edited) = RandomEdit(rng, spec);
        PacketBuffer p = Load(L4Frames.Build(spec), default);

        Assert.True(FieldEditor.TrySetField(p, field, value, out _));

        Assert.Equal(L4Frames.Build(edited), p.Span.ToArray());
        p.Free();
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void An_edit_of_a_frame_with_a_pending_checksum_keeps_it_pending_and_right(int seed)
    {
        var rng = new Random(seed);
        L4FrameSpec spec = L4Frames.Random(rng, rng.Next(0, 200), udp: rng.Next(2) == 0);
        (FlowField field, UInt128 value, L4FrameSpec edited) = RandomEdit(rng, spec);
        var (frame, offload) = L4Frames.BuildOffloaded(spec);
        PacketBuffer p = Load(frame, offload);

        Assert.True(FieldEditor.TrySetField(p, field, value, out _));

        Assert.Equal(offload, p.Offload);
        Assert.True(SoftwareOffload.TryCompleteChecksum(p, out _));
        Assert.Equal(L4Frames.Build(edited), p.Span.ToArray());
        p.Free();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void An_edit_of_a_super_frame_keeps_its_segments_right(int seed)
    {
        var rng = new Random(seed);
        L4FrameSpec spec = L4Frames.Random(rng, 3000);
        (FlowField field, UInt128 value, L4FrameSpec edited) = RandomEdit(rng, spec);
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1000);
        PacketBuffer p = Load(frame, offload);

        Assert.True(FieldEditor.TrySetField(p, field, value, out _));

        Assert.True(TcpSegmenter.TryParse(p.Span, in p.Offload, out TcpSuperFrame layout, out _));
        List<byte[]> expected = L4Frames.ReferenceSegments(edited, 1000);
        Assert.Equal(expected.Count, layout.SegmentCount);
        for (int s = 0; s < layout.SegmentCount; s++)
        {
            Assert.True(_pool.TryRent(out PacketBuffer? segment));
            Assert.True(TcpSegmenter.TryWriteSegment(p, in layout, s, segment));
            Assert.Equal(expected[s], segment.Span.ToArray());
            segment.Free();
        }
        p.Free();
    }

    [Fact]
    public void A_udp_datagram_without_a_checksum_keeps_none()
    {
        var spec = new L4FrameSpec { Udp = true, Payload = new byte[20] };
        byte[] frame = L4Frames.Build(spec);
        var (_, l4, _) = L4Frames.Layout(spec);
        frame[l4 + 6] = 0;
        frame[l4 + 7] = 0;
        PacketBuffer p = Load(frame, default);

        Assert.True(FieldEditor.TrySetField(p, FlowField.Ipv4Dst, 0x0a000063, out _));
        Assert.True(FieldEditor.TrySetField(p, FlowField.UdpDst, 4789, out _));

        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(p.Span[(l4 + 6)..]));
        Assert.Equal(4789, BinaryPrimitives.ReadUInt16BigEndian(p.Span[(l4 + 2)..]));
        p.Free();
    }

    [Fact]
    public void A_field_the_frame_lacks_is_left_alone()
    {
        var spec = new L4FrameSpec { Udp = true, Payload = new byte[20] };
        byte[] frame = L4Frames.Build(spec);
        PacketBuffer p = Load(frame, default);

        Assert.True(FieldEditor.TrySetField(p, FlowField.TcpDst, 22, out DropReason reason));
        Assert.True(FieldEditor.TrySetField(p, FlowField.Ipv6Src, UInt128.MaxValue, out reason));

        Assert.Equal(frame, p.Span.ToArray());
        p.Free();
    }

    [Theory]
    [InlineData(false, 64, 63)]
    [InlineData(true, 2, 1)]
    public void Dec_ttl_updates_the_header_checksum_and_stops_at_one(bool ipv6, byte ttl, byte expectedTtl)
    {
        var spec = new L4FrameSpec { Ipv6 = ipv6, Payload = new byte[10] };
        byte[] frame = L4Frames.Build(spec);
        var (l3, _, _) = L4Frames.Layout(spec);
        int ttlAt = l3 + (ipv6 ? 7 : 8);
        frame[ttlAt] = ttl;
        FixIpv4HeaderChecksum(frame, l3, ipv6);
        PacketBuffer p = Load(frame, default);

        Assert.True(FieldEditor.TryDecTtl(p, out bool expired, out _));
        Assert.False(expired);
        Assert.True(FieldEditor.TryDecTtl(p, out expired, out _));

        Assert.Equal(expectedTtl == 1, expired);
        byte[] expected = (byte[])frame.Clone();
        expected[ttlAt] = (byte)(expectedTtl == 1 ? 1 : expectedTtl - 1);
        FixIpv4HeaderChecksum(expected, l3, ipv6);
        Assert.Equal(expected, p.Span.ToArray());
        Assert.True(L4Frames.ChecksumsValid(p.Span.ToArray()));
        p.Free();
    }

    private static void FixIpv4HeaderChecksum(byte[] frame, int l3, bool ipv6)
    {
        if (ipv6)
        {
            return;
        }
        int ihl = (frame[l3] & 0xf) * 4;
        frame[l3 + 10] = 0;
        frame[l3 + 11] = 0;
        ushort sum = (ushort)~L4Frames.Fold(L4Frames.Sum(frame.AsSpan(l3, ihl)));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l3 + 10), sum);
    }

    private PacketBuffer Load(byte[] frame, PacketOffload offload)
    {
        Assert.True(_pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(frame));
        p.Offload = offload;
        return p;
    }

    // One of: source or destination address, source or destination port, DSCP, ECN, with a random new value, and the
    // spec that describes the frame after it.
    private static (FlowField Field, UInt128 Value, L4FrameSpec Edited) RandomEdit(Random rng, L4FrameSpec spec)
    {
        byte[] address = new byte[spec.Ipv6 ? 16 : 4];
        rng.NextBytes(address);
        UInt128 addressValue = spec.Ipv6 ? BinaryPrimitives.ReadUInt128BigEndian(address) : BinaryPrimitives.ReadUInt32BigEndian(address);
        ushort port = (ushort)rng.Next(1, 65536);
        byte bits = (byte)rng.Next(64);
        return rng.Next(6) switch
        {
            0 => (spec.Ipv6 ? FlowField.Ipv6Src : FlowField.Ipv4Src, addressValue, spec with { SrcIp = address }),
            1 => (spec.Ipv6 ? FlowField.Ipv6Dst : FlowField.Ipv4Dst, addressValue, spec with { DstIp = address }),
            2 => (spec.Udp ? FlowField.UdpSrc : FlowField.TcpSrc, port, spec with { SrcPort = port }),
            3 => (spec.Udp ? FlowField.UdpDst : FlowField.TcpDst, port, spec with { DstPort = port }),
            4 => (FlowField.IpDscp, bits, spec with { Tos = (byte)((spec.Tos & 0x03) | (bits << 2)) }),
            _ => (FlowField.IpEcn, (UInt128)(bits & 3), spec with { Tos = (byte)((spec.Tos & 0xfc) | (bits & 3)) }),
        };
    }
}
