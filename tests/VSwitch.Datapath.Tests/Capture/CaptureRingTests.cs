using VSwitch.Core.Diagnostics;
using VSwitch.Datapath.Capture;
using Xunit;

namespace VSwitch.Datapath.Tests.Capture;

/// <summary>The capture ring: bounded, never blocking, lossless and ordered per producer while not full.</summary>
public sealed class CaptureRingTests
{
    [Fact]
    public void A_full_ring_refuses_and_the_sink_counts_the_loss_then_accepts_after_release()
    {
        var sink = new CaptureSink(new CaptureRing(4, 64), CaptureDirections.Rx);
        var tap = new CaptureTap(sink, 0);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(tap.Offer([(byte)i, 1, 2], i, CaptureKind.Rx, default));
        }
        Assert.False(tap.Offer([9], 9, CaptureKind.Rx, default));
        Assert.False(tap.Offer([9], 9, CaptureKind.Rx, default));
        Assert.Equal(2, sink.RingFull);
        Assert.Equal(2, tap.RingFull);

        Assert.True(sink.Ring.TryPeek(out CaptureRecord r, out ReadOnlySpan<byte> data));
        Assert.Equal(0, data[0]);
        Assert.Equal(3, r.OriginalLength);
        sink.Ring.Release();
        Assert.True(tap.Offer([7], 7, CaptureKind.Rx, default));
        var firsts = new List<byte>();
        while (sink.Ring.TryPeek(out _, out data))
        {
            firsts.Add(data[0]);
            sink.Ring.Release();
        }
        Assert.Equal([1, 2, 3, 7], firsts);
    }

    [Fact]
    public void A_long_frame_is_cut_to_the_slot_keeping_its_original_length_and_metadata()
    {
        var ring = new CaptureRing(2, 8);
        byte[] frame = [.. Enumerable.Range(0, 100).Select(i => (byte)i)];
        Assert.True(ring.TryWrite(frame, 123456789, 3, CaptureKind.Drop, DropReason.FlowDrop));
        Assert.True(ring.TryPeek(out CaptureRecord r, out ReadOnlySpan<byte> data));
        Assert.Equal(frame[..8], data.ToArray());
        Assert.Equal(new CaptureRecord(123456789, 100, 3, CaptureKind.Drop, DropReason.FlowDrop), r);
    }

    [Fact]
    public void Two_producers_nothing_lost_while_not_full_and_each_producers_order_kept()
    {
        const int PerProducer = 200_000;
        var ring = new CaptureRing(1024, 16);
        long refused = 0;
        var producers = new Thread[2];
        for (int p = 0; p < producers.Length; p++)
        {
            int producer = p;
            producers[p] = new Thread(() =>
            {
                byte[] frame = new byte[8];
                for (int i = 0; i < PerProducer; i++)
                {
                    BitConverter.TryWriteBytes(frame, i);
                    // A full ring refuses: retry, so every frame goes through exactly once.
                    while (!ring.TryWrite(frame, i, producer, CaptureKind.Rx, default))
                    {
                        Interlocked.Increment(ref refused);
                        Thread.Yield();
                    }
                }
            });
        }
        foreach (Thread t in producers)
        {
            t.Start();
        }
        int[] next = new int[2];
        int total = 0;
        while (total < 2 * PerProducer)
        {
            if (!ring.TryPeek(out CaptureRecord r, out ReadOnlySpan<byte> data))
            {
                Thread.SpinWait(10);
                continue;
            }
            int seq = BitConverter.ToInt32(data);
            Assert.Equal(next[r.Interface], seq);
            Assert.Equal(seq, r.TimestampNs);
            next[r.Interface]++;
            total++;
            ring.Release();
        }
        foreach (Thread t in producers)
        {
            t.Join();
        }
        Assert.Equal([PerProducer, PerProducer], next);
        Assert.False(ring.TryPeek(out _, out _));
    }
}
