using System.Diagnostics;
using System.Text.Json;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Capture;

/// <summary>
/// Captures while dpdk-testpmd pushes traffic through vswitchd (two virtio-user ports on two vhost-user ports, both
/// sending with txonly). Each capture is started and running before testpmd sends, and stopped after the counters
/// settled, so the captured window is exactly the traffic: frames captured (+ frames the ring had no room for) equal
/// the ports' counters; the filter keeps only what it should; a live pipe into tshark works; drops carry their reason.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class CaptureTrafficTests(ITestOutputHelper output) : IDisposable
{
    private const string Mac1 = "02:00:00:00:00:01";
    private const string Mac2 = "02:00:00:00:00:02";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly DaemonProcess _d = new();
    private TestPmd? _pmd;

    public void Dispose()
    {
        _pmd?.Dispose();
        _d.Dispose();
    }

    [Fact]
    public async Task Both_directions_counts_equal_port_counters_filter_pipe_and_concurrent_captures_work()
    {
        StartTraffic();
        string both = Path.Combine(_d.Root, "both.pcapng");
        using var all = CaptureProcess.Start(_d, "vm1", "vm2", "-w", both, "--snaplen", "128", "--json");
        using var icmp = CaptureProcess.Start(_d, "vm2", "-w", Path.Combine(_d.Root, "icmp.pcapng"), "--direction", "rx", "--filter", "icmp", "--json");
        all.WaitStreaming(s_timeout);
        icmp.WaitStreaming(s_timeout);
        WaitRunning(2);
        var before = SettledPortStats();

        // A live pipe: tshark reads the stream while it is written; --count ends the capture by itself.
        string pipe = $"dotnet '{Programs.Ctl}' --run-dir '{_d.RunDir}' capture vm1 --direction rx --count 100 -w - | '{Tshark.Path}' -r - -T fields -e frame.interface_name -e eth.src";
        using var sh = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", pipe }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        Task<string> piped = sh.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> pipeErrors = sh.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        WaitRunning(3);

        _pmd!.Send("start");
        // Enough traffic to judge, however busy the machine; stopped (testpmd done) before the counters are read.
        Eventually.True(() => PortStats() is var now && now["vm1"].Rx - before["vm1"].Rx >= 5000 && now["vm2"].Rx - before["vm2"].Rx >= 5000,
            "5000 frames from each port", s_timeout, () => _d.Ctl("port-stats").Stdout);
        _pmd.Stop();
        var after = SettledPortStats();
        Assert.True(sh.WaitForExit(30_000), "the piped capture did not end with --count");
        string[] pipeLines = (await piped).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(pipeLines.Length == 100, $"tshark read {pipeLines.Length} frames from the pipe: {await pipeErrors}");
        Assert.All(pipeLines, l => Assert.Equal("vm1\t" + Mac1, l));

        all.Interrupt();
        icmp.Interrupt();
        JsonElement allSummary = Summary(all.WaitForExit(s_timeout));
        JsonElement icmpSummary = Summary(icmp.WaitForExit(s_timeout));

        long rx1 = after["vm1"].Rx - before["vm1"].Rx, rx2 = after["vm2"].Rx - before["vm2"].Rx;
        long tx1 = after["vm1"].Toward - before["vm1"].Toward, tx2 = after["vm2"].Toward - before["vm2"].Toward;
        long captured = allSummary.GetProperty("captured").GetInt64();
        long dropped = allSummary.GetProperty("dropped").GetInt64();
        output.WriteLine($"window: vm1 rx {rx1} tx {tx1}, vm2 rx {rx2} tx {tx2}; captured {captured}, ring full {dropped}");
        Assert.True(rx1 > 1000 && rx2 > 1000, "too little traffic to judge");
        Assert.Equal(rx1 + rx2 + tx1 + tx2, captured + dropped);

        string[] frames = Tshark.Fields(Path.Combine(_d.Root, "both.pcapng"), null, "frame.interface_name", "frame.packet_flags_direction");
        Assert.Equal(captured, frames.Length);
        if (dropped == 0)
        {
            Assert.Equal(rx1, frames.Count(f => f == "vm1|0x00000001"));
            Assert.Equal(tx1, frames.Count(f => f == "vm1|0x00000002"));
            Assert.Equal(rx2, frames.Count(f => f == "vm2|0x00000001"));
            Assert.Equal(tx2, frames.Count(f => f == "vm2|0x00000002"));
        }

        // testpmd txonly sends UDP only: the icmp filter keeps nothing and counts every frame it saw as filtered out.
        Assert.Equal(0, icmpSummary.GetProperty("captured").GetInt64());
        Assert.Equal(rx2, icmpSummary.GetProperty("filtered").GetInt64() + icmpSummary.GetProperty("dropped").GetInt64());
        Assert.Empty(Tshark.Fields(Path.Combine(_d.Root, "icmp.pcapng"), null, "frame.number"));
        WaitRunning(0);
    }

    [Fact]
    public void Drops_records_the_drop_flows_frames_with_the_reason_comment()
    {
        StartTraffic();
        Assert.Equal(0, _d.Ctl("add-flow", $"priority=100,dl_src={Mac1},actions=drop").ExitCode);
        string file = Path.Combine(_d.Root, "drops.pcapng");
        using var capture = CaptureProcess.Start(_d, "vm1", "-w", file, "--drops", "--direction", "rx", "--snaplen", "128", "--json");
        capture.WaitStreaming(s_timeout);
        WaitRunning(1);
        long hitsBefore = DropFlowHits();
        _pmd!.Send("start");
        Eventually.True(() => DropFlowHits() - hitsBefore >= 5000, "5000 hits of the drop flow", s_timeout, () => _d.Ctl("dump-flows").Stdout);
        _pmd.Stop();
        SettledPortStats();
        long hits = DropFlowHits() - hitsBefore;
        capture.Interrupt();
        JsonElement summary = Summary(capture.WaitForExit(s_timeout));

        string[] frames = Tshark.Fields(file, null, "frame.packet_flags_direction", "frame.comment", "eth.src");
        long dropped = summary.GetProperty("dropped").GetInt64();
        output.WriteLine($"drop flow hits {hits}; captured {frames.Length}, ring full {dropped}");
        Assert.True(hits > 1000, "too little traffic to judge");
        Assert.Equal(2 * hits, frames.Length + dropped);
        Assert.All(frames, f => Assert.EndsWith("|" + Mac1, f, StringComparison.Ordinal));
        long withReason = frames.Count(f => f == $"0x00000001|dropped: FlowDrop|{Mac1}");
        long plainRx = frames.Count(f => f == $"0x00000001||{Mac1}");
        Assert.Equal(frames.Length, withReason + plainRx);
        if (dropped == 0)
        {
            Assert.Equal(hits, withReason);
            Assert.Equal(hits, plainRx);
        }
    }

    private void StartTraffic()
    {
        TestPmd.RequireAvailable();
        Tshark.Require();
        _d.Start("--pmd-cpus", "1");
        string s1 = Path.Combine(_d.Root, "vm1.sock"), s2 = Path.Combine(_d.Root, "vm2.sock");
        Assert.Equal(0, _d.Ctl("add-port", "vm1", "vhostuser", "--socket", s1).ExitCode);
        Assert.Equal(0, _d.Ctl("add-port", "vm2", "vhostuser", "--socket", s2).ExitCode);
        _pmd = TestPmd.Start([$"net_virtio_user0,path={s1},queues=1,mac={Mac1}", $"net_virtio_user1,path={s2},queues=1,mac={Mac2}"],
            ["--forward-mode=txonly", "--txpkts=64", $"--eth-peer=0,{Mac2}", $"--eth-peer=1,{Mac1}"], forwardCpu: 0, memoryMb: 768);
        _pmd.WaitForPrompt(TimeSpan.FromSeconds(90));
        var sw = Stopwatch.StartNew();
        while (_d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up") < 2)
        {
            Assert.True(sw.Elapsed < s_timeout, "ports did not come up: " + _d.Ctl("show").Stdout);
            Thread.Sleep(100);
        }
    }

    private static JsonElement Summary(CtlResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stderr[r.Stderr.IndexOf('{', StringComparison.Ordinal)..]);
        return doc.RootElement.Clone();
    }

    private void WaitRunning(int count)
    {
        var sw = Stopwatch.StartNew();
        while (_d.Ctl("capture-list", "--json").Json().GetProperty("captures").EnumerateArray()
            .Count(c => c.GetProperty("state").GetString() == "running") != count)
        {
            Assert.True(sw.Elapsed < s_timeout, $"waiting for {count} running captures: " + _d.Ctl("capture-list").Stdout);
            Thread.Sleep(100);
        }
    }

    private long DropFlowHits() => _d.Ctl("dump-flows", "--json").Json().GetProperty("flows").EnumerateArray()
        .Single(f => f.GetProperty("priority").GetInt32() == 100).GetProperty("packets").GetInt64();

    // A batch is counted on its receiving port before its sending port: read after the datapath thread has rested
    // (so nothing is between the two), until two such snapshots agree (so no frame was still arriving).
    private Dictionary<string, (long Rx, long Toward)> SettledPortStats()
    {
        var previous = PortStats();
        for (int i = 0; i < 50; i++)
        {
            _d.WaitForDatapathRest();
            var current = PortStats();
            if (current.All(kv => previous.TryGetValue(kv.Key, out var p) && p == kv.Value))
            {
                return current;
            }
            previous = current;
        }
        Assert.Fail("port counters did not settle after traffic stopped");
        return previous;
    }

    private Dictionary<string, (long Rx, long Toward)> PortStats()
    {
        var result = new Dictionary<string, (long Rx, long Toward)>();
        foreach (var p in _d.Ctl("port-stats", "--json").Json().GetProperty("ports").EnumerateArray())
        {
            var tx = p.GetProperty("tx");
            result[p.GetProperty("name").GetString()!] = (p.GetProperty("rx").GetProperty("packets").GetInt64(),
                tx.GetProperty("packets").GetInt64() + tx.GetProperty("drops").GetInt64());
        }
        return result;
    }
}
