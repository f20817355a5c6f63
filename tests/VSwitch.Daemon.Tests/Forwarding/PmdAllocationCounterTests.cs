using System.Diagnostics;
using System.Text.Json;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Forwarding;

/// <summary>
/// The allocation and GC counters of pmd-stats on a real vswitchd forwarding between two testpmd virtio-user ports:
/// the datapath thread's first sight of each receive queue allocates its usage entry (a known allocation on that
/// thread, so the counter must move), after which steady forwarding allocates nothing on it.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class PmdAllocationCounterTests(ITestOutputHelper output)
{
    private const string Mac0 = "02:00:00:00:01:10";
    private const string Mac1 = "02:00:00:00:01:11";

    [Fact]
    public void Counts_the_datapath_threads_allocations_and_none_in_steady_forwarding()
    {
        TestPmd.RequireAvailable();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1");
        JsonElement idle = Thread0(d);
        Assert.Equal(0, idle.GetProperty("allocated_bytes_since_start").GetInt64());

        string s0 = Path.Combine(d.Root, "a.sock"), s1 = Path.Combine(d.Root, "b.sock");
        Assert.Equal(0, d.Ctl("add-port", "a", "vhostuser", "--socket", s0).ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "b", "vhostuser", "--socket", s1).ExitCode);
        using var pmd = TestPmd.Start(
            [$"net_virtio_user0,path={s0},queues=1,mac={Mac0}", $"net_virtio_user1,path={s1},queues=1,mac={Mac1}"],
            ["--forward-mode=io", "--txpkts=60", $"--eth-peer=0,{Mac1}", $"--eth-peer=1,{Mac0}", "--total-num-mbufs=16384"],
            forwardCpu: 0, memoryMb: 256);
        pmd.WaitForPrompt(TimeSpan.FromSeconds(90));
        WaitForPortsUp(d);
        var window = Stopwatch.StartNew();
        Assert.Equal(0, d.Ctl("pmd-stats-clear").ExitCode);
        // Adaptive mode with nothing to do: it sleeps on the kick fds, waking at least every 100 ms, so sleeps come
        // one after another, never more than one a millisecond (how many fit in a window depends on the machine's load).
        Eventually.True(() => Thread0(d).GetProperty("sleeps").GetInt64() >= 5, "5 sleeps of the idle datapath thread",
            detail: () => d.Ctl("pmd-stats").Stdout);
        long idleSleeps = Thread0(d).GetProperty("sleeps").GetInt64();
        long windowMs = window.ElapsedMilliseconds;
        output.WriteLine($"connected and idle: {idleSleeps} sleeps in {windowMs} ms");
        Assert.True(idleSleeps <= windowMs, $"{idleSleeps} sleeps in {windowMs} ms");
        pmd.Send("start tx_first 4");

        // The first sight of each queue allocates its usage entry on the datapath thread, which samples its counter every
        // 1024 iterations: wait for traffic and for the sample.
        JsonElement warm = default;
        Eventually.True(() =>
        {
            warm = Thread0(d);
            return warm.GetProperty("packets").GetInt64() > 1000 && warm.GetProperty("allocated_bytes_since_start").GetInt64() > 0;
        }, "traffic, and the datapath thread's first allocations counted", TimeSpan.FromSeconds(60), () => d.Ctl("pmd-stats").Stdout);
        long sinceStart = warm.GetProperty("allocated_bytes_since_start").GetInt64();
        output.WriteLine($"after the first packets: {sinceStart} bytes allocated on the datapath thread since start");
        Assert.True(warm.GetProperty("packets").GetInt64() > 1000, "too little traffic to judge: " + d.Ctl("pmd-stats").Stdout);
        Assert.True(sinceStart > 0, "the first sight of a queue allocates on the datapath thread, but the counter did not move");

        Assert.Equal(0, d.Ctl("pmd-stats-clear").ExitCode);
        Thread.Sleep(3000);
        // A window of at least 3 s and 1000 packets (fewer packets flow in 3 s on a busy machine).
        Eventually.True(() => Thread0(d).GetProperty("packets").GetInt64() > 1000, "1000 packets in the steady window",
            TimeSpan.FromSeconds(60), () => d.Ctl("pmd-stats").Stdout);
        JsonElement steady = Thread0(d);
        string text = d.Ctl("pmd-stats").Stdout;
        output.WriteLine(text);
        Assert.True(steady.GetProperty("packets").GetInt64() > 1000, "too little traffic in the steady window: " + text);
        Assert.Equal(0, steady.GetProperty("allocated_bytes").GetInt64());
        Assert.True(steady.GetProperty("allocated_bytes_since_start").GetInt64() >= sinceStart);
        Assert.True(steady.GetProperty("gc_gen0").GetInt32() >= 0);
        Assert.Contains("allocated on this thread: 0 bytes", text, StringComparison.Ordinal);
        Assert.Contains("gc collections (process): gen0 ", text, StringComparison.Ordinal);
        pmd.Send("stop");
    }

    private static JsonElement Thread0(DaemonProcess d) => d.Ctl("pmd-stats", "--json").Json().GetProperty("threads")[0];

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
