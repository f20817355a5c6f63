using VSwitch.Core.Diagnostics;
using VSwitch.Datapath.Capture;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Datapath.Tests.Capture;

/// <summary>The datapath's capture hooks: rx before the pipeline, tx at send, drops with their reason, at zero allocation.</summary>
public sealed class CaptureHookTests
{
    [Fact]
    public void Rx_tx_and_drops_are_recorded_on_the_right_port_with_reasons()
    {
        var sw = new TestSwitch(3);
        sw.AddFlow("priority=10,dl_src=02:00:00:00:00:03,actions=drop");
        var sink = new CaptureSink(new CaptureRing(64, 2048), CaptureDirections.Rx | CaptureDirections.Tx | CaptureDirections.Drops);
        sw.CapturePoint(1).Attach(new CaptureTap(sink, 0));
        sw.CapturePoint(3).Attach(new CaptureTap(sink, 1));

        sw.Send(2, Frames.Udp(2, 1)); // host 1 is unknown: flooded, so tx on ports 1 and 3; host 2 is learnt
        sw.Send(1, Frames.Udp(1, 2)); // rx on port 1
        sw.Send(3, Frames.Udp(3, 1)); // rx on port 3, dropped by the flow

        var records = Drain(sink);
        Assert.Equal(
            [(0, CaptureKind.Tx, default), (1, CaptureKind.Tx, default), (0, CaptureKind.Rx, default), (1, CaptureKind.Rx, default),
                (1, CaptureKind.Drop, DropReason.FlowDrop)],
            records.Select(r => (r.Record.Interface, r.Record.Kind, r.Record.Reason)).ToArray());
        Assert.Equal(Frames.Udp(2, 1), records[0].Data);
        Assert.Equal(Frames.Udp(3, 1), records[4].Data);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Direction_filter_and_detach_are_honoured()
    {
        var sw = new TestSwitch(2);
        var sink = new CaptureSink(new CaptureRing(64, 2048), CaptureDirections.Tx);
        sw.CapturePoint(2).Attach(new CaptureTap(sink, 0));
        sw.Send(1, Frames.Broadcast(1));
        sw.Send(2, Frames.Broadcast(2));
        Assert.Equal([CaptureKind.Tx], Drain(sink).Select(r => r.Record.Kind).ToArray());
        sw.CapturePoint(2).Detach(sink);
        Assert.Null(sw.CapturePoint(2).Taps);
        sw.Send(1, Frames.Broadcast(1));
        Assert.Empty(Drain(sink));
    }

    [Fact]
    public void A_full_ring_counts_CaptureRingFull_and_still_forwards()
    {
        var sw = new TestSwitch(2);
        var sink = new CaptureSink(new CaptureRing(2, 2048), CaptureDirections.Rx);
        sw.CapturePoint(1).Attach(new CaptureTap(sink, 0));
        sw.Send(1, Frames.Broadcast(1), Frames.Broadcast(1), Frames.Broadcast(1), Frames.Broadcast(1), Frames.Broadcast(1));
        Assert.Equal(3, sink.RingFull);
        Assert.Equal(3, sw.Pmd.Stats.Drops[DropReason.CaptureRingFull]);
        Assert.Equal(5, sw.Received(2).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forwarding_allocates_zero_bytes_with_and_without_capture(bool capture)
    {
        const int Packets = 100_000;
        var sw = new TestSwitch(3);
        sw.AddFlow("priority=10,in_port=1,actions=output:2");
        CaptureSink? sink = null;
        if (capture)
        {
            sink = new CaptureSink(new CaptureRing(256, 2048), CaptureDirections.Rx | CaptureDirections.Tx | CaptureDirections.Drops);
            sw.CapturePoint(1).Attach(new CaptureTap(sink, 0));
            sw.CapturePoint(2).Attach(new CaptureTap(sink, 1));
        }
        var source = sw.Port(1);
        source.LoadGenerator([Frames.Udp(1, 2)]);
        sw.Port(2).RecordSent = false;
        for (int i = 0; i < 2000; i++)
        {
            sw.Pmd.PollOnce(source, 0);
            Discard(sink);
        }
        long allocated = Allocations.SteadyState(() =>
        {
            long received = 0;
            while (received < Packets)
            {
                received += sw.Pmd.PollOnce(source, 0);
            }
        });
        Assert.Equal(0, allocated);
        if (sink is not null)
        {
            // The ring filled up: the rest was counted, not waited for.
            Assert.True(sink.RingFull > 0);
            Assert.Equal(sink.RingFull, sw.Pmd.Stats.Drops[DropReason.CaptureRingFull]);
        }
        else
        {
            Assert.Equal(0, sw.Pmd.Stats.Drops.Total);
        }
    }

    private static void Discard(CaptureSink? sink)
    {
        while (sink is not null && sink.Ring.TryPeek(out _, out _))
        {
            sink.Ring.Release();
        }
    }

    private static List<(CaptureRecord Record, byte[] Data)> Drain(CaptureSink sink)
    {
        var list = new List<(CaptureRecord, byte[])>();
        while (sink.Ring.TryPeek(out CaptureRecord r, out ReadOnlySpan<byte> data))
        {
            list.Add((r, data.ToArray()));
            sink.Ring.Release();
        }
        return list;
    }
}
