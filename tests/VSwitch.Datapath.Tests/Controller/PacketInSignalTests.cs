using VSwitch.Datapath.Controller;
using Xunit;

namespace VSwitch.Datapath.Tests.Controller;

/// <summary>The consumer of the packet-in rings sleeps until a frame is written, and no frame is left behind a sleep.</summary>
public sealed class PacketInSignalTests
{
    private static readonly byte[] Frame = new byte[64];

    [Fact]
    public void A_frame_written_after_the_announcement_wakes_the_sleeper()
    {
        var signal = new PacketInSignal();
        var ring = new PacketInRing(signal: signal);
        signal.PrepareWait();
        Assert.True(ring.TryWrite(Frame, 128, default));
        Assert.True(signal.Wait(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Without_a_frame_the_sleep_lasts_its_timeout()
    {
        var signal = new PacketInSignal();
        signal.PrepareWait();
        Assert.False(signal.Wait(TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void A_frame_written_before_a_new_announcement_does_not_wake_a_later_sleep_but_stays_in_the_ring()
    {
        // The producer saw no sleeper, so the event stays clear; the consumer's second look after PrepareWait finds it.
        var signal = new PacketInSignal();
        var ring = new PacketInRing(signal: signal);
        Assert.True(ring.TryWrite(Frame, 128, default));
        signal.PrepareWait();
        Assert.True(ring.TryPeek(out _, out ReadOnlySpan<byte> frame));
        Assert.Equal(64, frame.Length);
        signal.CancelWait();
    }

    [Fact]
    public void A_producer_thread_never_leaves_a_frame_behind_a_sleeping_consumer()
    {
        // Single producer, single consumer, following the pump's protocol; every frame must be consumed, and the
        // consumer's sleeps are long enough that a lost wake-up would show as a missed deadline, not pass by chance.
        const int Frames = 20_000;
        var signal = new PacketInSignal();
        var ring = new PacketInRing(capacity: 64, signal: signal);
        int consumed = 0;
        int lostWakeups = 0;
        var consumer = new Thread(() =>
        {
            while (consumed < Frames)
            {
                if (Drain())
                {
                    continue;
                }
                signal.PrepareWait();
                if (Drain())
                {
                    signal.CancelWait();
                    continue;
                }
                if (!signal.Wait(TimeSpan.FromSeconds(10)) && ring.Count > 0)
                {
                    lostWakeups++;
                }
            }
        });
        consumer.Start();
        for (int i = 0; i < Frames; i++)
        {
            while (!ring.TryWrite(Frame, 128, default))
            {
                Thread.Yield();
            }
            if ((i & 255) == 0)
            {
                Thread.Sleep(1);
            }
        }
        Assert.True(consumer.Join(TimeSpan.FromMinutes(5)), "the consumer did not finish");
        Assert.Equal(Frames, consumed);
        Assert.Equal(0, lostWakeups);

        bool Drain()
        {
            bool any = false;
            while (ring.TryPeek(out _, out _))
            {
                ring.Release();
                consumed++;
                any = true;
            }
            return any;
        }
    }
}
