using System.Diagnostics;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.OpenFlow;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Daemon.Tests.Guests;

/// <summary>
/// Real Linux guests (QEMU 7.2 under TCG, virtio-net) on vhost-user ports of a real vswitchd: the switch's reason to
/// exist. The datapath thread runs on CPU 0, the guests on CPU 1.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class VswitchdGuestTests(ITestOutputHelper output) : IDisposable
{
    private const string MacA = "52:54:00:00:00:0a";
    private const string MacB = "52:54:00:00:00:0b";
    private const string MacC = "52:54:00:00:00:0c";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(2);
    private readonly List<QemuGuest> _guests = [];
    private DaemonProcess? _daemon;

    [Theory]
    [InlineData("vhostuser")]
    [InlineData("vhostuserclient")]
    public void Two_guests_ping_both_ways_and_move_32_MiB_with_matching_MD5(string type)
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        var sw = Stopwatch.StartNew();
        const long bytes = 32L << 20;
        var a = Boot(image, d, type, "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,send", bytes);
        var b = Boot(image, d, type, "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "ping,recv", bytes);
        Checked(() =>
        {
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
            Assert.Equal("5", b.WaitForResult("ping", BootTimeout)["received"]);
            var send = a.WaitForResult("send", TimeSpan.FromMinutes(4));
            var recv = b.WaitForResult("recv", TimeSpan.FromMinutes(4));
            Assert.Equal("1", recv["ok"]);
            Assert.Equal(bytes, recv.GetInt64("bytes"));
            Assert.Equal(send["md5"], recv["md5"]);
            Assert.Equal(GuestPayload.Md5(bytes), recv["md5"]);
            output.WriteLine($"{type}: 32 MiB in {recv["seconds"]} s; scenario {sw.Elapsed.TotalSeconds:F0} s; features {a.WaitForResult("features", BootTimeout)["hex"]}");
        });
    }

    [Fact]
    public void Two_guests_ping_each_other_only_through_the_flows_a_learning_switch_controller_installed()
    {
        var image = GuestKit.RequireAvailable();
        using var controller = new OsKenController("learning_switch.py");
        using var d = StartSwitch();
        // Secure: without the controller's flows nothing is forwarded (no NORMAL fallback); the controller deletes
        // every flow when it connects and sends table misses to itself.
        Assert.Equal(0, d.Ctl("set-fail-mode", "secure").ExitCode);
        controller.Start();
        Assert.Equal(0, d.Ctl("set-controller", controller.Target).ExitCode);
        controller.WaitFor(BootTimeout, "connected");
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,idle", null);
        var b = Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "ping,idle", null);
        Checked(() =>
        {
            try
            {
                Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
                Assert.Equal("5", b.WaitForResult("ping", BootTimeout)["received"]);
                controller.WaitFor(BootTimeout, "flow", MacA, MacB, "output=2");
                controller.WaitFor(BootTimeout, "flow", MacB, MacA, "output=1");
                // The learned flows carried the pings both ways, and no flow but the controller's exists.
                string flows = d.Ctl("dump-flows").Stdout;
                output.WriteLine(flows);
                Assert.DoesNotContain("normal", flows, StringComparison.OrdinalIgnoreCase);
                foreach ((string src, string dst) in new[] { (MacA, MacB), (MacB, MacA) })
                {
                    var learned = d.Ctl("dump-flows", $"dl_src={src},dl_dst={dst}", "--json").Json().GetProperty("flows");
                    Assert.True(learned.GetArrayLength() == 1, flows);
                    Assert.True(learned[0].GetProperty("packets").GetInt64() > 0, flows);
                    Assert.Equal(1, learned[0].GetProperty("priority").GetInt32());
                }
            }
            catch
            {
                output.WriteLine("--- controller:\n" + controller.Output);
                throw;
            }
        });
    }

    [Fact]
    public void Access_VLANs_isolate_guests()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        // a and b share access VLAN 10; c is on VLAN 20 and probes a, which it must not reach.
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,idle", null, tag: 10);
        Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "idle", null, tag: 10);
        var c = Boot(image, d, "vhostuser", "vm3", "c", MacC, "10.0.0.3/24", "10.0.0.1", "probe", null, tag: 20);
        Checked(() =>
        {
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
            Assert.Equal("0", c.WaitForResult("probe", BootTimeout)["received"]);
        });
    }

    [Fact]
    public void A_drop_flow_cuts_a_guest_off_and_deleting_it_restores_traffic()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "reach,hold,probe,hold,ping", null);
        Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "idle", null);
        Checked(() =>
        {
            Assert.Equal("1", a.WaitForResult("reach", BootTimeout)["ok"]);
            Assert.Equal(0, d.Ctl("add-flow", $"priority=100,dl_src={MacB},actions=drop").ExitCode);
            a.WaitForResult("hold", BootTimeout);
            a.Resume();
            Assert.Equal("0", a.WaitForResult("probe", BootTimeout)["received"]);
            string flows = d.Ctl("dump-flows").Stdout;
            Assert.DoesNotContain("n_packets=0, n_bytes=0, idle_age", flows.Split('\n').Single(l => l.Contains("priority=100", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.Equal(0, d.Ctl("del-flows", "--strict", $"priority=100,dl_src={MacB}").ExitCode);
            a.WaitForResult("hold", BootTimeout, occurrence: 2);
            a.Resume();
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
        });
    }

    [Fact]
    public void Kill_9_of_the_switch_with_guests_running_and_a_restart_reconnects_them_without_a_reboot()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        var a = Boot(image, d, "vhostuserclient", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "reach,hold,ping", null);
        var b = Boot(image, d, "vhostuserclient", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "idle", null);
        Checked(() =>
        {
            Assert.Equal("1", a.WaitForResult("reach", BootTimeout)["ok"]);
            a.WaitForResult("hold", BootTimeout);
            d.Kill();
            d.Start("--pmd-cpus", "0");
            var sw = Stopwatch.StartNew();
            while (d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up") < 2)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "ports did not come back up: " + d.Ctl("show").Stdout);
                Thread.Sleep(100);
            }
            a.Resume();
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
            // a's role ends with that ping: it prints its counters and powers off by itself, so whether its QEMU has
            // exited by now says nothing. That it answered after the restart in the boot it had before does (with
            // -no-reboot a reboot ends QEMU). b idles until it is stopped.
            Assert.Single(a.ResultsOf("boot"));
            Assert.Single(b.ResultsOf("boot"));
            Assert.False(b.HasExited, "guest b stopped or rebooted");
            output.WriteLine($"ports up again {sw.Elapsed.TotalSeconds:F1} s after the restart");
        });
    }

    [Fact]
    public void A_guest_driver_reset_stops_and_restarts_its_rings_and_traffic_resumes()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "reach,reload,ping", null);
        Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "idle", null);
        Checked(() =>
        {
            Assert.Equal("1", a.WaitForResult("reach", BootTimeout)["ok"]);
            Assert.Equal("1", a.WaitForResult("reload", BootTimeout)["ok"]);
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
            // The reset went through GET_VRING_BASE (rings stopped) and a fresh start, as the daemon's log shows.
            Assert.Contains("vhost-user port vm1: ring 1 stopped at", d.Log, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Jumbo_frames_pass_with_MTU_9000_and_the_switch_learns_the_MTU()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        const long bytes = 8L << 20;
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,send,idle", bytes, hostMtu: 9000);
        var b = Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "recv,idle", bytes, hostMtu: 9000);
        Checked(() =>
        {
            var ping = a.WaitForResult("ping", BootTimeout);
            Assert.Equal("5", ping["received"]);
            Assert.Equal("8972", ping["size"]);
            var recv = b.WaitForResult("recv", TimeSpan.FromMinutes(3));
            Assert.Equal(a.WaitForResult("send", TimeSpan.FromMinutes(3))["md5"], recv["md5"]);
            Assert.Equal(GuestPayload.Md5(bytes), recv["md5"]);
            Assert.Contains("mtu: 9000", d.Ctl("port-status", "vm1").Stdout, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_multiqueue_guest_uses_both_queue_pairs_and_its_transfer_matches()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        const long bytes = 4L << 20;
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,send,idle", bytes, queues: 2);
        var b = Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "ping,recv,idle", bytes, queues: 2);
        Checked(() =>
        {
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
            var recvs = new[] { b.WaitForResult("recv", TimeSpan.FromMinutes(3)), b.WaitForResult("recv", TimeSpan.FromMinutes(3), 2) };
            foreach (var r in recvs)
            {
                Assert.Equal(GuestPayload.Md5(bytes), r["md5"]);
            }
            // Per-queue counters: frames entered the switch on both of the sender's queue pairs.
            var queues = d.Ctl("port-stats", "vm1", "--queues", "--json").Json().GetProperty("ports")[0].GetProperty("queues");
            long q0 = queues[0].GetProperty("rx").GetProperty("packets").GetInt64();
            long q1 = queues[1].GetProperty("rx").GetProperty("packets").GetInt64();
            output.WriteLine($"vm1 rx queue 0: {q0}, queue 1: {q1}");
            Assert.True(q0 > 0 && q1 > 0, $"queue 0: {q0}, queue 1: {q1}");
        });
    }

    private DaemonProcess StartSwitch()
    {
        var d = new DaemonProcess();
        _daemon = d;
        d.Start("--pmd-cpus", "0");
        return d;
    }

    private QemuGuest Boot(GuestImage image, DaemonProcess d, string type, string port, string name, string mac, string ip, string peer, string role, long? bytes, int? tag = null, int? hostMtu = null, int queues = 1)
    {
        string socket = Path.Combine(d.Root, port + ".sock");
        var args = new List<string> { "add-port", port, type, "--socket", socket };
        if (tag is int t)
        {
            args.Add("--tag");
            args.Add(t.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var r = d.Ctl([.. args]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var options = new GuestOptions
        {
            Name = name,
            Mac = mac,
            SocketPath = socket,
            SocketMode = type == "vhostuser" ? GuestSocketMode.QemuClient : GuestSocketMode.QemuServer,
            CpuAffinity = "1",
            Timeout = TimeSpan.FromMinutes(6),
            Role = role,
            Ip = ip,
            Peer = peer,
            PingCount = 5,
            PingSize = hostMtu is int m ? m - 28 : null,
            HostMtu = hostMtu,
            Queues = queues,
            Cpus = queues,
            Streams = queues > 1 ? queues : null,
            Bytes = bytes,
            Seconds = 120,
        };
        var guest = QemuGuest.Start(image, options);
        _guests.Add(guest);
        return guest;
    }

    private void Checked(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            foreach (var g in _guests)
            {
                output.WriteLine($"--- {g.Name} console:\n{g.Console}");
            }
            output.WriteLine("--- vswitchd log:\n" + (_daemon?.Log ?? ""));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var g in _guests)
        {
            g.Dispose();
        }
    }
}
