using System.Buffers.Binary;
using System.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.TestKit;
using VSwitch.VhostUser;
using Xunit;

namespace VSwitch.Integration.Tests.VhostUser;

/// <summary>
/// The vhost-user port against a frontend nobody here wrote: dpdk-testpmd with net_virtio_user, in both socket
/// modes. The test thread polls the port through the port API, as a datapath thread would.
/// </summary>
[Collection(RealPeers.Name)]
public sealed class TestPmdPortTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);

    public static TheoryData<VhostUserMode> Modes => new() { VhostUserMode.Server, VhostUserMode.Client };

    /// <summary>Both socket modes, each with split rings and with packed rings (testpmd's <c>packed_vq=1</c>).</summary>
    public static TheoryData<VhostUserMode, bool> ModesAndRings => new()
    {
        { VhostUserMode.Server, false }, { VhostUserMode.Client, false }, { VhostUserMode.Server, true }, { VhostUserMode.Client, true },
    };

    /// <summary>The ring layout really negotiated: the port's acked features, and the layout every started ring reports.</summary>
    private static void AssertRingLayout(PortHarness h, bool packed)
    {
        VhostUserPortStatus status = h.Port.GetStatus();
        Assert.Equal(packed, status.AckedFeatures.Contains("RingPacked"));
        Assert.NotEmpty(status.Rings);
        Assert.All(status.Rings, r => Assert.Equal(packed ? "packed" : "split", r.Layout));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Txonly_packets_arrive_with_their_length_and_headers(VhostUserMode mode)
    {
        TestPmd.RequireAvailable();
        foreach (int size in new[] { 64, 1518 })
        {
            using var h = new PortHarness(mode);
            using var pmd = TestPmd.Start([h.VirtioUserVdev()], ["--forward-mode=txonly", $"--txpkts={size}", "--burst=32"]);
            pmd.WaitForPrompt(Boot);
            h.WaitUntilUp(Boot);

            int badLength = 0, badHeader = 0;
            pmd.Send("start");
            var sw = Stopwatch.StartNew();
            long received = h.Drain(0, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), p =>
            {
                var s = p.Span;
                if (s.Length != size)
                {
                    badLength++;
                }
                else if (EthernetHeader.Type(s) != EtherType.IPv4 || s[23] != 17 /* UDP */)
                {
                    badHeader++;
                }
            });
            double seconds = sw.Elapsed.TotalSeconds;
            // Once testpmd has stopped, what it sent is in the ring: an empty poll means all of it was received.
            pmd.Stop();
            received += h.DrainUntilEmpty(0, p =>
            {
                if (p.Length != size)
                {
                    badLength++;
                }
            });
            var stats = pmd.GetPortStats(0);
            output.WriteLine($"{mode} {size} B: testpmd sent {stats.TxPackets}, port received {received} (~{received / seconds / 1e6:F2} Mpps while polling)");
            Assert.True(received > 1000, $"only {received} packets arrived");
            Assert.Equal(0, badLength);
            Assert.Equal(0, badHeader);
            Assert.Equal(stats.TxPackets, received);
            Assert.Equal(received, h.Port.Stats.Rx[0].Packets);
        }
    }

    [Theory]
    [MemberData(nameof(ModesAndRings))]
    public void Macswap_returns_every_packet_byte_identical(VhostUserMode mode, bool packed)
    {
        TestPmd.RequireAvailable();
        using var h = new PortHarness(mode);
        using var pmd = TestPmd.Start([h.VirtioUserVdev(packed: packed)], ["--forward-mode=macswap", "--auto-start"]);
        pmd.WaitForPrompt(Boot);
        h.WaitUntilUp(Boot);
        AssertRingLayout(h, packed);
        // 3000 frames through rings of 256: both rings wrap many times.
        RoundTrip(h, count: 3000, minSize: 60, maxSize: 1514, seed: 7);
    }

    [Theory]
    [MemberData(nameof(ModesAndRings))]
    public void Mergeable_jumbo_frames_return_byte_identical(VhostUserMode mode, bool packed)
    {
        TestPmd.RequireAvailable();
        using var h = new PortHarness(mode, mtu: 9000);
        using var pmd = TestPmd.Start([h.VirtioUserVdev(mergeable: true, packed: packed)],
            ["--forward-mode=macswap", "--auto-start", "--max-pkt-len=9018", "--mbuf-size=2048", "--enable-scatter"]);
        pmd.WaitForPrompt(Boot);
        h.WaitUntilUp(Boot);
        Assert.Contains("MrgRxbuf", h.Port.GetStatus().AckedFeatures);
        AssertRingLayout(h, packed);
        RoundTrip(h, count: 400, minSize: 60, maxSize: 9014, seed: 11, includeMax: true);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Two_queue_pairs_both_carry_traffic(VhostUserMode mode)
    {
        TestPmd.RequireAvailable();
        using var h = new PortHarness(mode);
        using var pmd = TestPmd.Start([h.VirtioUserVdev(queues: 2)], ["--forward-mode=txonly", "--rxq=2", "--txq=2", "--txpkts=64"]);
        pmd.WaitForPrompt(Boot);
        h.WaitUntilUp(Boot);
        WaitFor(() => h.Port.RxQueueCount == 2, Boot, "both queue pairs running");
        pmd.Send("start");
        long q0 = 0, q1 = 0;
        var sw = Stopwatch.StartNew();
        // Until both queues carried traffic: how soon depends on how busy the machine is.
        while ((q0 <= 100 || q1 <= 100) && sw.Elapsed < Boot)
        {
            q0 += h.Drain(0, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5));
            q1 += h.Drain(1, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5));
        }
        pmd.Send("stop");
        output.WriteLine($"{mode}: queue 0 received {q0}, queue 1 received {q1}");
        Assert.True(q0 > 100 && q1 > 100, $"queue 0: {q0}, queue 1: {q1}");
        Assert.Equal(q0, h.Port.Stats.Rx[0].Packets);
        Assert.Equal(q1, h.Port.Stats.Rx[1].Packets);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Frontend_killed_mid_traffic_reconnects_without_leaks(VhostUserMode mode)
    {
        TestPmd.RequireAvailable();
        using var h = new PortHarness(mode);
        int fdsBefore = 0, mapsBefore = 0, mapsWhileUp = 0;
        for (int round = 0; round < 4; round++)
        {
            if (mode == VhostUserMode.Client)
            {
                // testpmd as socket server does not remove the file a killed instance left, and will not bind over it.
                File.Delete(h.SocketPath);
            }
            var pmd = TestPmd.Start([h.VirtioUserVdev()], ["--forward-mode=txonly", "--txpkts=64"]);
            try
            {
                pmd.WaitForPrompt(Boot);
                h.WaitUntilUp(Boot);
                pmd.Send("start");
                long got = h.DrainAtLeast(0, 101, Boot);
                Assert.True(got > 100, $"round {round}: only {got} packets before the kill within {Boot.TotalSeconds} s");
                mapsWhileUp = Maps();
                pmd.Kill();
            }
            finally
            {
                pmd.Dispose();
            }
            WaitFor(() => h.Port.State != VSwitch.Core.Ports.PortState.Up, TimeSpan.FromSeconds(10), "port noticed the disconnect");
            h.Drain(0, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
            if (round == 1)
            {
                // Counted after the first full cycle, so one-time allocations (thread pools, logging) are not leaks.
                fdsBefore = OpenFds();
                mapsBefore = Maps();
            }
        }
        int fdsAfter = OpenFds(), mapsAfter = Maps();
        output.WriteLine($"{mode}: fds {fdsBefore} -> {fdsAfter}, shared maps {mapsBefore} -> {mapsAfter} ({mapsWhileUp} while connected)");
        Assert.True(mapsWhileUp > mapsAfter, "guest memory should show as shared mappings while the frontend is connected");
        Assert.InRange(fdsAfter, 0, fdsBefore + 2);
        Assert.InRange(mapsAfter, 0, mapsBefore + 1);
        Assert.True(h.Port.GetStatus().ConnectCount >= 3);
    }

    private void RoundTrip(PortHarness h, int count, int minSize, int maxSize, int seed, bool includeMax = false)
    {
        var rng = new Random(seed);
        var srcMac = MacAddress.Parse("02:00:00:00:00:01");
        var dstMac = MacAddress.Parse("02:00:00:00:00:02");
        var sent = new Dictionary<int, byte[]>();
        int returned = 0, mismatched = 0, next = 0;
        var sw = Stopwatch.StartNew();
        while (returned < count && sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (next < count && sent.Count < 64)
            {
                int burst = Math.Min(16, count - next);
                for (int i = 0; i < burst; i++)
                {
                    int size = includeMax && next == 0 ? maxSize : rng.Next(minSize, maxSize + 1);
                    var frame = MakeFrame(next, size, srcMac, dstMac, rng);
                    sent[next] = frame;
                    Assert.True(h.Pool.TryRent(out var p));
                    Assert.True(p.TryCopyFrom(frame));
                    h.Batch.TryAdd(p);
                    next++;
                }
                h.Port.Send(0, h.Batch);
            }
            int n = h.Port.Receive(0, h.Batch);
            for (int i = 0; i < n; i++)
            {
                var s = h.Batch[i].Span;
                int seq = s.Length >= 18 ? BinaryPrimitives.ReadInt32BigEndian(s[14..]) : -1;
                if (!sent.Remove(seq, out var original) || !IsMacSwapped(original, s))
                {
                    mismatched++;
                }
                returned++;
            }
            h.Batch.FreeAll();
            if (n > 0)
            {
                h.Port.CompleteReceive(0);
            }
            else
            {
                Thread.Yield();
            }
        }
        output.WriteLine($"returned {returned}/{count}, mismatched {mismatched}, tx drops {h.Port.Stats.Tx[0].Drops.Total}");
        foreach (VhostUserRingStatus r in h.Port.GetStatus().Rings)
        {
            output.WriteLine($"ring {r.Index} ({r.Layout}): next avail {r.NextAvail}, next used {r.NextUsed}, broken {r.BrokenReason ?? "no"}");
        }
        foreach (VSwitch.Core.Diagnostics.DropReason reason in Enum.GetValues<VSwitch.Core.Diagnostics.DropReason>())
        {
            if (h.Port.Stats.Tx[0].Drops[reason] != 0 || h.Port.Stats.Rx[0].Drops[reason] != 0)
            {
                output.WriteLine($"drop {reason}: tx {h.Port.Stats.Tx[0].Drops[reason]}, rx {h.Port.Stats.Rx[0].Drops[reason]}");
            }
        }
        Assert.Equal(0, mismatched);
        Assert.Equal(count, returned);
    }

    private static byte[] MakeFrame(int seq, int size, MacAddress src, MacAddress dst, Random rng)
    {
        var f = new byte[size];
        dst.Write(f);
        src.Write(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x88b5); // IEEE local experimental EtherType
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(14), seq);
        rng.NextBytes(f.AsSpan(18));
        return f;
    }

    private static bool IsMacSwapped(byte[] original, ReadOnlySpan<byte> back) =>
        back.Length == original.Length
        && back[..6].SequenceEqual(original.AsSpan(6, 6))
        && back.Slice(6, 6).SequenceEqual(original.AsSpan(0, 6))
        && back[12..].SequenceEqual(original.AsSpan(12));

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }
            Thread.Sleep(10);
        }
    }

    private static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>
    /// Shared mappings of this process: guest memory regions are mapped MAP_SHARED, so a leaked region shows here. The
    /// runtime's own private mappings (thread stacks, GC regions, code heaps) come and go with load and are not counted,
    /// nor is the runtime's double-mapped code memory.
    /// </summary>
    private static int Maps() => File.ReadAllLines("/proc/self/maps")
        .Count(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries) is [_, { Length: 4 } perms, ..] parts
            && perms[3] == 's' && !l.Contains("doublemapper", StringComparison.Ordinal));
}
