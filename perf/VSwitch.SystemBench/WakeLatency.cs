using System.Diagnostics;
using System.Globalization;
using VSwitch.TestKit.Virtio;

namespace VSwitch.SystemBench;

/// <summary>
/// First packet after idle: how long vswitchd takes to forward one frame that arrives while its datapath thread sleeps
/// (adaptive mode). testpmd cannot time this (its console round trip alone is about a millisecond), so the guests here
/// are two in-process vhost-user front-ends on memfd guest memory that negotiate as QEMU does. Each sample waits
/// <see cref="GapMs"/> so the thread is asleep, then puts one broadcast frame on guest A's transmit ring, kicks, and
/// spins on guest B's receive used idx; the time from before the frame is queued to the used idx moving is the sample.
/// The measuring thread is pinned to CPU 0, away from the datapath thread on CPU 1.
/// </summary>
internal static class WakeLatency
{
    private const int GapMs = 20;
    private const int Warmup = 20;
    private const int Samples = 200;

    public static string Measure(CommandLog log, string vswitchdDll, string vswitchctlDll)
    {
        try
        {
            _ = Affinity.Set(1);
            var config = new DutConfig("vswitchd", "normal", "vhostuser");
            using var dut = new VswitchdDut(log, vswitchdDll, vswitchctlDll, config, null);
            using FakeFrontend a = FakeFrontend.Connect(dut.Socket0, TimeSpan.FromSeconds(30));
            using FakeFrontend b = FakeFrontend.Connect(dut.Socket1, TimeSpan.FromSeconds(30));
            a.NegotiateLikeQemu();
            b.NegotiateLikeQemu();
            dut.WaitReady(TimeSpan.FromSeconds(60));
            FakeFrontendRing tx = a.Ring(1);
            FakeFrontendRing rx = b.Ring(0);
            rx.PostReceiveBuffers(64);
            byte[] frame = Frame();
            var latencies = new List<double>(Samples);
            dut.OpenWindow();
            for (int i = 0; i < Warmup + Samples; i++)
            {
                Thread.Sleep(GapMs);
                ushort used = rx.Driver.UsedIdx;
                long start = Stopwatch.GetTimestamp();
                tx.Transmit(frame);
                tx.Kick();
                while (rx.Driver.UsedIdx == used)
                {
                    if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(2))
                    {
                        throw new TimeoutException($"sample {i}: the frame was not forwarded within 2 s");
                    }
                }
                double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                if (i >= Warmup)
                {
                    latencies.Add(us);
                }
                // Give the receive buffer back and reclaim the transmit slots for the next sample.
                _ = rx.ReadUsed();
                rx.PostReceiveBuffers(1);
                _ = tx.ReadUsed();
            }
            long sleeps = dut.AllocationSinceOpen()?.Sleeps ?? 0;
            latencies.Sort();
            double Pct(double p) => latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
            return string.Create(CultureInfo.InvariantCulture,
                $"first packet after idle: median {Pct(0.5):F0} µs, 99th percentile {Pct(0.99):F0} µs, max {latencies[^1]:F0} µs over {Samples} frames, each after {GapMs} ms without traffic (the datapath thread slept {sleeps} times over the {Warmup + Samples} gaps; target 1 ms)");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or KeyNotFoundException)
        {
            return "first packet after idle: measurement failed: " + e.Message.Split('\n')[0];
        }
        finally
        {
            _ = Affinity.Set(Environment.ProcessorCount >= 64 ? ulong.MaxValue : (1UL << Environment.ProcessorCount) - 1);
        }
    }

    /// <summary>64 bytes: broadcast destination, a local source, an experimental EtherType, zero payload.</summary>
    private static byte[] Frame()
    {
        byte[] f = new byte[60];
        f.AsSpan(0, 6).Fill(0xff);
        f[6] = 0x02;
        f[11] = 0x42;
        f[12] = 0x88;
        f[13] = 0xb5;
        return f;
    }
}
