using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Capture;
using VSwitch.TestKit;
using VSwitch.TestKit.Offload;
using Xunit;

namespace VSwitch.Datapath.Tests.Offload;

/// <summary>
/// The egress hook: a frame that asks more than the output port's peer accepts is finished in software before the
/// port's Send (checksum completed, super-frame segmented into several batches), clones keep or segment offloaded
/// frames, VLAN edits move the offsets, captures record complete checksums, and none of it allocates per packet.
/// </summary>
public sealed class EgressOffloadTests
{
    private const PortOffloads Tso = PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn;

    [Theory]
    [InlineData(1, PortOffloads.None)]
    [InlineData(2, PortOffloads.Csum)]
    [InlineData(3, PortOffloads.Csum | PortOffloads.Tso6)]
    [InlineData(4, PortOffloads.Csum | PortOffloads.Tso4)]
    public void A_super_frame_the_port_does_not_take_arrives_as_the_reference_segments_in_batches_of_at_most_32(int seed, PortOffloads accepted)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 6; round++)
        {
            L4FrameSpec spec = L4Frames.Random(rng, rng.Next(40_000, 60_000));
            bool whole = (accepted & (spec.Ipv6 ? PortOffloads.Tso6 : PortOffloads.Tso4)) != 0;
            var (sw, input, output) = Switch(accepted);
            var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1000);
            input.Inject(frame, offload);
            Poll(sw, input);

            if (whole)
            {
                AssertSent([(frame, offload)], output);
            }
            else
            {
                List<byte[]> expected = L4Frames.ReferenceSegments(spec, 1000);
                Assert.True(expected.Count > PacketBatch.Capacity);
                Assert.Equal(expected, output.Sent.Select(s => s.Frame));
                Assert.All(output.Sent, s => Assert.True(s.Offload.IsPlain));
                Assert.All(output.SendSizes, n => Assert.InRange(n, 1, PacketBatch.Capacity));
                Assert.Equal(expected.Count, sw.Pmd.Stats.TxPackets);
            }
            Assert.Equal(0, sw.Pmd.Stats.Drops.Total);
            AssertNoLeaks(sw, input);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void A_pending_checksum_is_completed_only_for_a_port_without_Csum(bool udp, bool lend)
    {
        var rng = new Random(udp ? 5 : 6);
        foreach (PortOffloads accepted in new[] { PortOffloads.None, PortOffloads.Csum })
        {
            var (sw, input, output) = Switch(accepted);
            input.Lend = lend;
            var specs = Enumerable.Range(0, 40).Select(_ => L4Frames.Random(rng, rng.Next(0, 1400), udp)).ToList();
            var offloaded = specs.Select(s => L4Frames.BuildOffloaded(s)).ToList();
            foreach (var (frame, offload) in offloaded)
            {
                input.Inject(frame, offload);
            }
            Poll(sw, input);

            if (accepted == PortOffloads.None)
            {
                Assert.Equal(specs.Select(L4Frames.Build), output.Sent.Select(s => s.Frame));
                Assert.All(output.Sent, s => Assert.Equal(OffloadFlags.None, s.Offload.Flags));
            }
            else
            {
                AssertSent(offloaded, output);
            }
            AssertNoLeaks(sw, input);
        }
    }

    [Fact]
    public void A_malformed_super_frame_is_dropped_with_its_reason_and_the_rest_of_the_batch_goes_on()
    {
        var (sw, input, output) = Switch(PortOffloads.None);
        var udp = new L4FrameSpec { Udp = true, Payload = new byte[3000] };
        var (lie, lieOffload) = L4Frames.BuildOffloaded(udp);
        lieOffload.Gso = GsoType.TcpV4;
        lieOffload.GsoSize = 1000;
        var good = new L4FrameSpec { Payload = new byte[2500] };
        input.Inject(lie, lieOffload);
        input.Inject(L4Frames.BuildOffloaded(good, mss: 1000).Frame, L4Frames.BuildOffloaded(good, mss: 1000).Offload);
        Poll(sw, input);
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.OffloadSegmentationFailed]);
        Assert.Equal(L4Frames.ReferenceSegments(good, 1000), output.Sent.Select(s => s.Frame));
        AssertNoLeaks(sw, input);
    }

    [Fact]
    public void Flooding_a_super_frame_longer_than_a_clone_sends_segments_to_every_port_but_the_last_one_decides()
    {
        var sw = new TestSwitch(0);
        var input = new OffloadPort(new PortId(1), Tso);
        var plain = new OffloadPort(new PortId(2), PortOffloads.None);
        var tso = new OffloadPort(new PortId(3), Tso);
        var last = new OffloadPort(new PortId(4), Tso);
        foreach (var p in new[] { input, plain, tso, last })
        {
            sw.AddPort(p);
        }
        sw.AddFlow("priority=10,in_port=1,actions=all");
        var spec = new L4FrameSpec { Ipv6 = true, SrcIp = new byte[16], DstIp = new byte[16], VlanTags = 1, Payload = new byte[30_000] };
        new Random(3).NextBytes(spec.Payload);
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1400);
        Assert.True(frame.Length > sw.ClonePool.DataRoom);
        input.Inject(frame, offload);
        Poll(sw, input);

        List<byte[]> segments = L4Frames.ReferenceSegments(spec, 1400);
        Assert.Equal(segments, plain.Sent.Select(s => s.Frame));
        Assert.Equal(segments, tso.Sent.Select(s => s.Frame)); // a copy too long for a clone travels as segments
        AssertSent([(frame, offload)], last); // the original goes whole to a port that takes it
        Assert.Equal(0, sw.Pmd.Stats.Drops.Total);
        AssertNoLeaks(sw, input);
    }

    [Fact]
    public void A_clone_keeps_the_pending_checksum_and_normal_flooding_finishes_it_per_port()
    {
        var sw = new TestSwitch(0);
        var input = new OffloadPort(new PortId(1), Tso);
        var csum = new OffloadPort(new PortId(2), PortOffloads.Csum);
        var none = new OffloadPort(new PortId(3), PortOffloads.None);
        foreach (var p in new[] { input, csum, none })
        {
            sw.AddPort(p);
        }
        var spec = new L4FrameSpec { Udp = true, Payload = new byte[999] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec);
        input.Inject(frame, offload); // unknown destination: NORMAL floods a clone and the original
        Poll(sw, input);
        AssertSent([(frame, offload)], csum);
        Assert.Equal([L4Frames.Build(spec)], none.Sent.Select(s => s.Frame));
        AssertNoLeaks(sw, input);
    }

    [Theory]
    [InlineData(PortOffloads.None)]
    [InlineData(PortOffloads.Csum)]
    public void A_vlan_push_moves_the_pending_checksum_with_the_headers(PortOffloads accepted)
    {
        var (sw, input, output) = Switch(accepted);
        sw.AddFlow("priority=20,in_port=1,actions=mod_vlan_vid:9,output:2");
        var spec = new L4FrameSpec { Ipv6 = true, SrcIp = new byte[16], DstIp = new byte[16], Payload = new byte[777] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec);
        input.Inject(frame, offload);
        Poll(sw, input);

        byte[] expected = PacketFactory.WithVlan(L4Frames.Build(spec), 9);
        var (sent, sentOffload) = Assert.Single(output.Sent);
        if (accepted == PortOffloads.None)
        {
            Assert.Equal(expected, sent);
        }
        else
        {
            Assert.Equal(offload.CsumStart + 4, sentOffload.CsumStart);
            Assert.Equal(PacketFactory.WithVlan(frame, 9), sent);
        }
    }

    [Fact]
    public void Segments_of_a_super_frame_that_got_a_vlan_tag_carry_the_tag()
    {
        var (sw, input, output) = Switch(PortOffloads.None);
        sw.AddFlow("priority=20,in_port=1,actions=mod_vlan_vid:9,output:2");
        var spec = new L4FrameSpec { Payload = new byte[10_000] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1448);
        input.Inject(frame, offload);
        Poll(sw, input);
        Assert.Equal(L4Frames.ReferenceSegments(spec with { VlanTags = 0 }, 1448).Select(s => PacketFactory.WithVlan(s, 9)),
            output.Sent.Select(s => s.Frame));
        Assert.All(output.Sent, s => Assert.True(L4Frames.ChecksumsValid(s.Frame)));
    }

    [Fact]
    public void Captures_record_complete_checksums_super_frames_whole_and_segments_as_sent()
    {
        var sw = new TestSwitch(0);
        var input = new OffloadPort(new PortId(1), Tso);
        var tso = new OffloadPort(new PortId(2), Tso);
        var none = new OffloadPort(new PortId(3), PortOffloads.None);
        foreach (var p in new[] { input, tso, none })
        {
            sw.AddPort(p);
        }
        sw.AddFlow("priority=10,in_port=1,actions=output:3,output:2"); // port 3 gets a copy, port 2 the original
        var sink = new CaptureSink(new CaptureRing(128, 70_000), CaptureDirections.Rx | CaptureDirections.Tx);
        sw.CapturePoint(1).Attach(new CaptureTap(sink, 0));
        sw.CapturePoint(2).Attach(new CaptureTap(sink, 1));
        sw.CapturePoint(3).Attach(new CaptureTap(sink, 2));
        var spec = new L4FrameSpec { Payload = new byte[5000] };
        new Random(9).NextBytes(spec.Payload);
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1448);
        input.Inject(frame, offload);
        Poll(sw, input);

        var records = new List<(CaptureRecord Record, byte[] Data)>();
        while (sink.Ring.TryPeek(out CaptureRecord r, out ReadOnlySpan<byte> data))
        {
            records.Add((r, data.ToArray()));
            sink.Ring.Release();
        }
        byte[] complete = L4Frames.Build(spec); // the super-frame with its checksum over the whole payload
        Assert.Equal(complete, Assert.Single(records, r => r.Record.Interface == 0).Data);
        Assert.Equal(complete, Assert.Single(records, r => r.Record.Interface == 1).Data);
        Assert.Equal(L4Frames.ReferenceSegments(spec, 1448), records.Where(r => r.Record.Interface == 2).Select(r => r.Data));
        AssertSent([(frame, offload)], tso); // the packet itself still leaves with its checksum pending
        AssertNoLeaks(sw, input);
    }

    [Fact]
    public void A_capture_that_asks_for_segments_records_super_frames_as_segments_even_where_they_go_whole()
    {
        var (sw, input, output) = Switch(Tso);
        var sink = new CaptureSink(new CaptureRing(128, 2048), CaptureDirections.Rx | CaptureDirections.Tx, segments: true);
        sw.CapturePoint(1).Attach(new CaptureTap(sink, 0));
        sw.CapturePoint(2).Attach(new CaptureTap(sink, 1));
        var spec = new L4FrameSpec { Ipv6 = true, SrcIp = new byte[16], DstIp = new byte[16], VlanTags = 2, Payload = new byte[7000] };
        new Random(4).NextBytes(spec.Payload);
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1000);
        input.Inject(frame, offload);
        Poll(sw, input);

        var records = new List<(CaptureRecord Record, byte[] Data)>();
        while (sink.Ring.TryPeek(out CaptureRecord r, out ReadOnlySpan<byte> data))
        {
            records.Add((r, data.ToArray()));
            sink.Ring.Release();
        }
        List<byte[]> segments = L4Frames.ReferenceSegments(spec, 1000);
        Assert.Equal(segments, records.Where(r => r.Record.Kind == CaptureKind.Rx).Select(r => r.Data));
        Assert.Equal(segments, records.Where(r => r.Record.Kind == CaptureKind.Tx).Select(r => r.Data));
        AssertSent([(frame, offload)], output); // the port itself still gets the super-frame
        AssertNoLeaks(sw, input);
    }

    [Fact]
    public void Segmenting_and_completing_checksums_allocate_zero_bytes_per_packet()
    {
        const int Packets = 20_000;
        var (sw, input, output) = Switch(PortOffloads.None);
        output.RecordSent = false;
        var rng = new Random(1);
        var super4 = L4Frames.BuildOffloaded(L4Frames.Random(rng, 60_000) with { Ipv6 = false, SrcIp = [1, 2, 3, 4], DstIp = [5, 6, 7, 8] }, mss: 1448);
        var super6 = L4Frames.BuildOffloaded(L4Frames.Random(rng, 30_000) with { Ipv6 = true, SrcIp = new byte[16], DstIp = new byte[16] }, mss: 1200);
        var udp = L4Frames.BuildOffloaded(L4Frames.Random(rng, 500, udp: true));
        var tcp = L4Frames.BuildOffloaded(L4Frames.Random(rng, 1000));
        input.LoadGenerator(super4, udp, tcp, super6, udp);
        for (int i = 0; i < 200; i++)
        {
            sw.Pmd.PollOnce(input, 0);
        }
        long sent = output.SentCount;
        long allocated = Allocations.SteadyState(() =>
        {
            long received = 0;
            while (received < Packets)
            {
                received += sw.Pmd.PollOnce(input, 0);
            }
        });
        Assert.Equal(0, allocated);
        Assert.Equal(0, sw.Pmd.Stats.Drops.Total);
        Assert.True(output.SentCount - sent > Packets * 10, "super-frames were segmented");
    }

    private static (TestSwitch Switch, OffloadPort Input, OffloadPort Output) Switch(PortOffloads accepted)
    {
        var sw = new TestSwitch(0);
        var input = new OffloadPort(new PortId(1), Tso);
        var output = new OffloadPort(new PortId(2), accepted);
        sw.AddPort(input);
        sw.AddPort(output);
        sw.AddFlow("priority=10,in_port=1,actions=output:2");
        return (sw, input, output);
    }

    private static void AssertSent(IReadOnlyList<(byte[] Frame, PacketOffload Offload)> expected, OffloadPort port)
    {
        Assert.Equal(expected.Select(e => e.Frame), port.Sent.Select(s => s.Frame));
        Assert.Equal(expected.Select(e => e.Offload), port.Sent.Select(s => s.Offload));
    }

    private static void Poll(TestSwitch sw, OffloadPort input)
    {
        while (sw.Pmd.PollOnce(input, 0) != 0)
        {
        }
    }

    private static void AssertNoLeaks(TestSwitch sw, OffloadPort input)
    {
        sw.AssertNoLeaks();
        Assert.Equal(input.Pool.Count, input.Pool.Available);
    }
}
