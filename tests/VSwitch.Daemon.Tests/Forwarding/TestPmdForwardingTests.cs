using System.Diagnostics;
using System.Text.Json;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Forwarding;

/// <summary>
/// Forwarding through the whole daemon: one dpdk-testpmd with three virtio-user ports on three vhost-user ports of a
/// real vswitchd, in both socket modes and with split or packed rings (testpmd's <c>packed_vq=1</c>). testpmd sends from
/// every port (txonly) to a fixed peer MAC, so the switch learns all three addresses, after which the third port must stop
/// receiving floods; then a drop flow cuts one sender off.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class TestPmdForwardingTests(ITestOutputHelper output)
{
    private const string Mac1 = "02:00:00:00:00:01";
    private const string Mac2 = "02:00:00:00:00:02";
    private const string Mac3 = "02:00:00:00:00:03";

    [Theory]
    [InlineData("vhostuser", false)]
    [InlineData("vhostuserclient", false)]
    [InlineData("vhostuser", true)]
    [InlineData("vhostuserclient", true)]
    public void Learns_stops_flooding_counts_flows_and_obeys_a_drop_flow(string type, bool packed)
    {
        TestPmd.RequireAvailable();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1");
        bool client = type == "vhostuserclient";
        var sockets = new string[3];
        for (int i = 0; i < 3; i++)
        {
            sockets[i] = Path.Combine(d.Root, $"vm{i + 1}.sock");
            var r = d.Ctl("add-port", $"vm{i + 1}", type, "--socket", sockets[i]);
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        string[] macs = [Mac1, Mac2, Mac3];
        var vdevs = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            vdevs.Add($"net_virtio_user{i},path={sockets[i]},queues=1,mac={macs[i]}" + (client ? ",server=1" : "") + (packed ? ",packed_vq=1" : ""));
        }
        // Port 0 sends to vm2, port 1 to vm1, port 2 to vm1: vm3 receives nothing once every address is learnt.
        using var pmd = TestPmd.Start(vdevs,
            ["--forward-mode=txonly", "--txpkts=64", $"--eth-peer=0,{Mac2}", $"--eth-peer=1,{Mac1}", $"--eth-peer=2,{Mac1}"],
            forwardCpu: 0, memoryMb: 768);
        pmd.WaitForPrompt(TimeSpan.FromSeconds(90));
        WaitForPortsUp(d, 3);
        for (int i = 0; i < 3; i++)
        {
            // The ring layout really negotiated, as the port reports it.
            string status = d.Ctl("port-status", $"vm{i + 1}").Stdout;
            Assert.True(packed == status.Contains("RingPacked", StringComparison.Ordinal), status);
        }

        pmd.Send("start");
        // Enough traffic that the floods before every address was learnt are a small fraction of it; how long that
        // takes depends on how busy the machine is.
        Eventually.True(() => PortStats(d)["vm1"].RxPackets >= 50_000, "50000 frames from vm1", TimeSpan.FromSeconds(60),
            () => d.Ctl("port-stats").Stdout);
        pmd.Stop();
        var stats = SettledPortStats(d);
        // txonly never drains its receive rings, so most frames toward a port end as TxNoGuestBuffer drops: what the
        // switch sent toward a port is delivered + dropped.
        long flood = stats["vm3"].TowardPort;
        output.WriteLine($"{type} {(packed ? "packed" : "split")}: vm1 rx {stats["vm1"].RxPackets}, toward vm2 {stats["vm2"].TowardPort}, vm2 rx {stats["vm2"].RxPackets}, toward vm1 {stats["vm1"].TowardPort}, vm3 rx {stats["vm3"].RxPackets}, toward vm3 {flood}");
        Assert.True(stats["vm1"].RxPackets > 1000, "vm1 sent too little to judge");
        Assert.Equal(stats["vm1"].RxPackets, stats["vm2"].TowardPort);
        // Some of it was written into vm2's receive ring (txonly never drains it, so at most a ring's worth).
        Assert.True(Delivered(d, "vm2") > 0, "nothing was written into vm2's receive ring");
        Assert.True(flood * 100 < stats["vm1"].RxPackets, $"{flood} frames went toward vm3: flooding did not stop");

        var fdb = d.Ctl("fdb-show", "--json").Json().GetProperty("entries").EnumerateArray().Select(e => e.ToString()).ToList();
        for (int i = 0; i < 3; i++)
        {
            Assert.Contains(fdb, e => e.Contains(macs[i], StringComparison.OrdinalIgnoreCase) && e.Contains($"vm{i + 1}", StringComparison.Ordinal));
        }

        long received = stats.Values.Sum(s => s.RxPackets);
        long normalHits = Flows(d).Single(f => f.GetProperty("priority").GetInt32() == 0).GetProperty("packets").GetInt64();
        Assert.Equal(received, normalHits);

        Assert.Equal(0, d.Ctl("add-flow", $"priority=100,dl_src={Mac1},actions=drop").ExitCode);
        var before = SettledPortStats(d);
        pmd.Send("start");
        Eventually.True(() => PortStats(d)["vm1"].RxPackets - before["vm1"].RxPackets >= 20_000, "20000 more frames from vm1",
            TimeSpan.FromSeconds(60), () => d.Ctl("port-stats").Stdout);
        pmd.Stop();
        var after = SettledPortStats(d);
        long toVm2 = after["vm2"].TowardPort - before["vm2"].TowardPort;
        long fromVm1 = after["vm1"].RxPackets - before["vm1"].RxPackets;
        long dropHits = Flows(d).Single(f => f.GetProperty("priority").GetInt32() == 100).GetProperty("packets").GetInt64();
        output.WriteLine($"{type}: with the drop flow vm1 sent {fromVm1}, vm2 received {toVm2}, drop flow hits {dropHits}");
        Assert.True(fromVm1 > 1000, "vm1 sent too little to judge");
        Assert.Equal(0, toVm2);
        Assert.Equal(fromVm1, dropHits);
    }

    private static void WaitForPortsUp(DaemonProcess d, int count)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var ports = d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().ToList();
            if (ports.Count(p => p.GetProperty("state").GetString() == "up") == count)
            {
                return;
            }
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "ports did not come up: " + d.Ctl("show").Stdout);
            Thread.Sleep(100);
        }
    }

    // A batch is counted on its receiving port before its sending port: read after the datapath thread has rested
    // (so nothing is between the two), until two such snapshots agree (so no frame was still arriving).
    private static Dictionary<string, (long RxPackets, long TowardPort)> SettledPortStats(DaemonProcess d)
    {
        var previous = PortStats(d);
        for (int i = 0; i < 50; i++)
        {
            d.WaitForDatapathRest();
            var current = PortStats(d);
            if (current.Count == previous.Count && current.All(kv => previous.TryGetValue(kv.Key, out var p) && p == kv.Value))
            {
                return current;
            }
            previous = current;
        }
        Assert.Fail("port counters did not settle after traffic stopped");
        return previous;
    }

    private static long Delivered(DaemonProcess d, string port) =>
        d.Ctl("port-stats", "--json").Json().GetProperty("ports").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == port).GetProperty("tx").GetProperty("packets").GetInt64();

    private static List<JsonElement> Flows(DaemonProcess d) => [.. d.Ctl("dump-flows", "--json").Json().GetProperty("flows").EnumerateArray()];

    private static Dictionary<string, (long RxPackets, long TowardPort)> PortStats(DaemonProcess d)
    {
        var result = new Dictionary<string, (long, long)>();
        foreach (var p in d.Ctl("port-stats", "--json").Json().GetProperty("ports").EnumerateArray())
        {
            var tx = p.GetProperty("tx");
            result[p.GetProperty("name").GetString()!] = (
                p.GetProperty("rx").GetProperty("packets").GetInt64(),
                tx.GetProperty("packets").GetInt64() + tx.GetProperty("drops").GetInt64());
        }
        return result;
    }
}

/// <summary>Tests with real peers run alone: they share 2 CPUs with testpmd.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealPeerCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "real peers";
}
