using System.Diagnostics;
using System.Globalization;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Forwarding;

/// <summary>
/// The switch restarted under traffic (client-mode ports: testpmd keeps running and the switch finds it again), and
/// the idle cost of the adaptive datapath with two connected, silent ports.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class RestartAndIdleTests(ITestOutputHelper output)
{
    /// <summary>
    /// With packed rings the restarted switch cannot find the ring positions in guest memory (a packed ring has no used
    /// index); DPDK's virtio-user in server mode resets its packed rings when the back-end comes back, so both start
    /// afresh (ports/VSwitch.VhostUser/README.md, "Packed rings").
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Kill_9_and_restart_under_traffic_resumes_forwarding_without_restarting_testpmd(bool packed)
    {
        TestPmd.RequireAvailable();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1");
        string[] sockets = [Path.Combine(d.Root, "vm1.sock"), Path.Combine(d.Root, "vm2.sock")];
        Assert.Equal(0, d.Ctl("add-port", "vm1", "vhostuserclient", "--socket", sockets[0]).ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "vm2", "vhostuserclient", "--socket", sockets[1]).ExitCode);
        using var pmd = TestPmd.Start(
            [$"net_virtio_user0,path={sockets[0]},queues=1,server=1,mac=02:00:00:00:00:01" + (packed ? ",packed_vq=1" : string.Empty),
             $"net_virtio_user1,path={sockets[1]},queues=1,server=1,mac=02:00:00:00:00:02" + (packed ? ",packed_vq=1" : string.Empty)],
            ["--forward-mode=txonly", "--txpkts=64", "--eth-peer=0,02:00:00:00:00:02", "--eth-peer=1,02:00:00:00:00:01"],
            forwardCpu: 0, memoryMb: 768);
        pmd.WaitForPrompt(TimeSpan.FromSeconds(90));
        WaitForPortsUp(d, 2);
        pmd.Send("start");
        WaitForTraffic(d, TimeSpan.FromSeconds(60), "before the restart");

        d.Kill();
        var restart = Stopwatch.StartNew();
        d.Start("--pmd-cpus", "1");
        WaitForPortsUp(d, 2);
        WaitForTraffic(d, TimeSpan.FromSeconds(60), "after the restart");
        Assert.Equal(packed, d.Ctl("port-status", "vm1").Stdout.Contains("RingPacked", StringComparison.Ordinal));
        output.WriteLine($"forwarding resumed {restart.Elapsed.TotalSeconds:F1} s after vswitchd was started again");
        pmd.Send("stop");
        Assert.True(pmd.IsRunning, "testpmd must have kept running across the switch restart");
        Assert.Contains("connect", d.Ctl("port-status", "vm1").Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_idle_switch_with_two_connected_ports_uses_under_five_percent_of_a_core()
    {
        TestPmd.RequireAvailable();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1", "--pmd-mode", "adaptive");
        string[] sockets = [Path.Combine(d.Root, "run", "vm1.sock"), Path.Combine(d.Root, "run", "vm2.sock")];
        Assert.Equal(0, d.Ctl("add-port", "vm1", "vhostuser").ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "vm2", "vhostuser").ExitCode);
        string[] paths = [.. d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("socket").GetString()!)];
        using var pmd = TestPmd.Start(
            [$"net_virtio_user0,path={paths[0]},queues=1", $"net_virtio_user1,path={paths[1]},queues=1"],
            ["--forward-mode=rxonly"], forwardCpu: 0, memoryMb: 768);
        pmd.WaitForPrompt(TimeSpan.FromSeconds(90));
        WaitForPortsUp(d, 2);
        Thread.Sleep(1000);

        double before = CpuSeconds(d.Pid);
        var sw = Stopwatch.StartNew();
        Thread.Sleep(10_000);
        double used = (CpuSeconds(d.Pid) - before) / sw.Elapsed.TotalSeconds;
        output.WriteLine($"vswitchd used {used * 100:F2}% of one core over {sw.Elapsed.TotalSeconds:F1} s with two idle ports");
        Assert.InRange(used, 0, 0.05);
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    private static double CpuSeconds(int pid)
    {
        // /proc/PID/stat fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised command name.
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    private static void WaitForPortsUp(DaemonProcess d, int count)
    {
        var sw = Stopwatch.StartNew();
        while (d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up") < count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "ports did not come up: " + d.Ctl("show").Stdout);
            Thread.Sleep(100);
        }
    }

    private static void WaitForTraffic(DaemonProcess d, TimeSpan timeout, string when)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            // testpmd's txonly never refills its receive ring, so after its first 256 buffers the frames the switch forwards
            // toward vm2 end as TxNoGuestBuffer drops: forwarding is delivered + dropped toward the port.
            var tx = d.Ctl("port-stats", "vm2", "--json").Json().GetProperty("ports")[0].GetProperty("tx");
            long toVm2 = tx.GetProperty("packets").GetInt64() + tx.GetProperty("drops").GetInt64();
            if (toVm2 > 0)
            {
                return;
            }
            Assert.True(sw.Elapsed < timeout, $"no frame reached vm2 {when}\n{d.Ctl("port-stats").Stdout}\n{d.Ctl("port-status", "vm1").Stdout}\n{Tail(d.Log)}");
            Thread.Sleep(100);
        }
    }
}
