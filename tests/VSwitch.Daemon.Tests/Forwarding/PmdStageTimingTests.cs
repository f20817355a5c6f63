using System.Diagnostics;
using System.Text.Json;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Forwarding;

/// <summary>
/// Stage timing (vswitchd --pmd-perf-metrics) on a real vswitchd forwarding between two testpmd virtio-user ports: the
/// counters appear in pmd-stats, one batch in 64 is timed, and the timed stages add up to no more than the thread's
/// busy time. Without the option pmd-stats has no stage figures. No speed is asserted (that belongs to benchmarks).
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class PmdStageTimingTests(ITestOutputHelper output)
{
    private const string Mac0 = "02:00:00:00:01:20";
    private const string Mac1 = "02:00:00:00:01:21";

    [Fact]
    public void Times_one_batch_in_64_by_stage_within_the_busy_time()
    {
        TestPmd.RequireAvailable();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1", "--pmd-perf-metrics");
        string s0 = Path.Combine(d.Root, "a.sock"), s1 = Path.Combine(d.Root, "b.sock");
        Assert.Equal(0, d.Ctl("add-port", "a", "vhostuser", "--socket", s0).ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "b", "vhostuser", "--socket", s1).ExitCode);
        Assert.Equal(JsonValueKind.Null, Stages(Thread0(d)).ValueKind);
        using var pmd = TestPmd.Start(
            [$"net_virtio_user0,path={s0},queues=1,mac={Mac0}", $"net_virtio_user1,path={s1},queues=1,mac={Mac1}"],
            ["--forward-mode=io", "--txpkts=60", $"--eth-peer=0,{Mac1}", $"--eth-peer=1,{Mac0}", "--total-num-mbufs=16384"],
            forwardCpu: 0, memoryMb: 256);
        pmd.WaitForPrompt(TimeSpan.FromSeconds(90));
        WaitForPortsUp(d);
        pmd.Send("start tx_first 4");
        Eventually.True(() => Stages(Thread0(d)) is { ValueKind: JsonValueKind.Object } s && s.GetProperty("sampled_batches").GetInt64() >= 20,
            "20 timed batches", TimeSpan.FromSeconds(60), () => d.Ctl("pmd-stats").Stdout);
        pmd.Send("stop");

        // Quiet counters (no batch in flight), then one consistent reading.
        JsonElement t = Thread0(d);
        Eventually.True(() =>
        {
            JsonElement again = Thread0(d);
            bool same = again.GetProperty("packets").GetInt64() == t.GetProperty("packets").GetInt64()
                && Stages(again).GetProperty("sampled_batches").GetInt64() == Stages(t).GetProperty("sampled_batches").GetInt64();
            t = again;
            return same;
        }, "counters that stop moving once testpmd stopped", TimeSpan.FromSeconds(30), () => d.Ctl("pmd-stats").Stdout);
        string text = d.Ctl("pmd-stats").Stdout;
        output.WriteLine(text);
        JsonElement stages = Stages(t);
        long packets = t.GetProperty("packets").GetInt64(), batches = t.GetProperty("batches").GetInt64();
        long sampledBatches = stages.GetProperty("sampled_batches").GetInt64(), sampledPackets = stages.GetProperty("sampled_packets").GetInt64();
        Assert.InRange(sampledBatches, 1, (batches / 64) + 1);
        Assert.InRange(sampledPackets, sampledBatches, Math.Min(packets, 32 * sampledBatches));
        double sumPerPacket = 0;
        foreach (string stage in new[] { "rx", "pipeline", "tx", "complete" })
        {
            double ns = stages.GetProperty(stage + "_ns_per_packet").GetDouble();
            Assert.True(ns >= 0, $"{stage}: {ns} ns/packet");
            sumPerPacket += ns;
        }
        long totalNs = stages.GetProperty("total_ns").GetInt64();
        Assert.True(sumPerPacket > 0, text);
        Assert.InRange(sumPerPacket * sampledPackets, totalNs - 1000, totalNs + 1000);
        // The timed batches are part of the busy iterations; busy_ms is rounded down, hence the extra millisecond.
        long busyMs = t.GetProperty("busy_ms").GetInt64();
        Assert.True(totalNs <= (busyMs + 1) * 1_000_000, $"stages {totalNs} ns, busy {busyMs} ms\n{text}");
        Assert.Contains("ns/packet: rx ", text, StringComparison.Ordinal);
        Assert.Contains(" pipeline ", text, StringComparison.Ordinal);
        Assert.Contains(" rx-complete ", text, StringComparison.Ordinal);

        Assert.Equal(0, d.Ctl("pmd-stats-clear").ExitCode);
        Assert.Equal(JsonValueKind.Null, Stages(Thread0(d)).ValueKind);
        Assert.DoesNotContain("ns/packet", d.Ctl("pmd-stats").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_option_pmd_stats_has_no_stage_figures()
    {
        using var d = new DaemonProcess();
        d.Start();
        Assert.Equal(JsonValueKind.Null, Stages(Thread0(d)).ValueKind);
        Assert.DoesNotContain("ns/packet", d.Ctl("pmd-stats").Stdout, StringComparison.Ordinal);
    }

    private static JsonElement Thread0(DaemonProcess d) => d.Ctl("pmd-stats", "--json").Json().GetProperty("threads")[0];

    /// <summary>The thread's stage figures; a JSON null when there are none (the member may also be left out).</summary>
    private static JsonElement Stages(JsonElement thread) =>
        thread.TryGetProperty("stages", out JsonElement s) ? s : s_null;

    private static readonly JsonElement s_null = JsonDocument.Parse("null").RootElement;

    private static void WaitForPortsUp(DaemonProcess d)
    {
        var sw = Stopwatch.StartNew();
        while (d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up") < 2)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "ports did not come up: " + d.Ctl("show").Stdout);
            Thread.Sleep(100);
        }
    }
}
