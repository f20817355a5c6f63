using System.Diagnostics;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using VSwitch.TestKit.Guests;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tap;

/// <summary>
/// Tap ports through the real vswitchd and vswitchctl: network namespaces as hosts behind the switch talk to each
/// other, to dpdk-testpmd on a vhost-user port and to a QEMU guest; delete and restart semantics of the interfaces.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class TapSwitchTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_namespaces_ping_and_move_8_MiB_with_matching_md5_and_del_port_removes_the_interface()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, string ifA) = hosts.AddHost(d, "ta", "10.88.0.1/24");
        (NetNamespace b, _) = hosts.AddHost(d, "tb", "10.88.0.2/24");
        try
        {
            double rtt = TapNamespaces.Ping(a, "10.88.0.2");
            double back = TapNamespaces.Ping(b, "10.88.0.1");
            double seconds = TapNamespaces.Transfer(a, b, "10.88.0.2", 8 << 20, d.Root);
            output.WriteLine($"ping a->b avg {rtt} ms, b->a avg {back} ms; 8 MiB a->b in {seconds:F2} s");

            string status = d.Ctl("port-status", "ta").Stdout;
            Assert.Contains("state: up", status, StringComparison.Ordinal);
            Assert.Contains($"interface: {ifA}", status, StringComparison.Ordinal);
            Assert.Contains("interface origin: created", status, StringComparison.Ordinal);
            Assert.Contains("moved to another network namespace", status, StringComparison.Ordinal);
            Assert.Contains("flags: UP,RUNNING", status, StringComparison.Ordinal);
            // Counted in bytes: with offloads the sender's kernel hands over super-frames, so the frame count depends on
            // how it batched the data.
            var stats = d.Ctl("port-stats", "--json").Json().GetProperty("ports").EnumerateArray()
                .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("rx").GetProperty("bytes").GetInt64());
            Assert.True(stats["ta"] > 8 << 20, $"ta received {stats["ta"]} bytes");

            Assert.Equal(0, d.Ctl("del-port", "ta").ExitCode);
            Assert.NotEqual(0, a.Exec(10_000, "ip", "link", "show", ifA).ExitCode);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Set_port_mtu_changes_the_interface_in_its_namespace_without_re_creating_it()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, string ifA) = hosts.AddHost(d, "ta", "10.87.0.1/24");
        (NetNamespace b, _) = hosts.AddHost(d, "tb", "10.87.0.2/24");
        try
        {
            TapNamespaces.Ping(a, "10.87.0.2");
            CtlResult set = d.Ctl("set-port", "ta", "--mtu", "1400");
            Assert.True(set.ExitCode == 0, set.ToString());

            // Still in its namespace with its address, now with the new MTU: the interface was not re-created.
            (int code, string link, string err) = a.Exec(10_000, "ip", "addr", "show", ifA);
            Assert.True(code == 0, $"{ifA} is no longer in {a.Name}: {err}");
            Assert.Contains("mtu 1400", link, StringComparison.Ordinal);
            Assert.Contains("10.87.0.1/24", link, StringComparison.Ordinal);
            Assert.Contains("mtu: 1400", d.Ctl("port-status", "ta").Stdout, StringComparison.Ordinal);
            TapNamespaces.Ping(b, "10.87.0.1");

            // The stored configuration has the MTU, so a re-created port (e.g. after a restart) gets it too.
            Assert.Contains("\"mtu\": 1400", File.ReadAllText(d.DbPath), StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Deleting_a_port_on_an_existing_persistent_tap_leaves_the_interface()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        string ifName = HostCommand.UniqueName("vsp");
        HostCommand.Ip("tuntap", "add", "dev", ifName, "mode", "tap");
        try
        {
            CtlResult r = d.Ctl("add-port", "tp", "tap", "-o", $"ifname={ifName}", "--mtu", "4000");
            Assert.True(r.ExitCode == 0, r.ToString());
            string status = d.Ctl("port-status", "tp").Stdout;
            Assert.Contains("interface origin: attached", status, StringComparison.Ordinal);
            Assert.Contains("mtu: 4000", status, StringComparison.Ordinal);
            Assert.Equal("4000", File.ReadAllText($"/sys/class/net/{ifName}/mtu").Trim());
            Assert.Equal(0, d.Ctl("del-port", "tp").ExitCode);
            Assert.True(HostCommand.LinkExists(ifName));
        }
        finally
        {
            HostCommand.IpQuiet("link", "del", ifName);
        }
    }

    [Fact]
    public void A_port_whose_interface_cannot_be_created_is_refused_clearly_and_the_daemon_carries_on()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        CtlResult lo = d.Ctl("add-port", "bad", "tap", "--ifname", "lo");
        Assert.NotEqual(0, lo.ExitCode);
        Assert.Contains("'lo' exists but is not a tap device", lo.Stderr, StringComparison.Ordinal);
        CtlResult longName = d.Ctl("add-port", "a-very-long-port-name", "tap");
        Assert.NotEqual(0, longName.ExitCode);
        Assert.Contains("longer than 15 bytes", longName.Stderr, StringComparison.Ordinal);
        CtlResult queues = d.Ctl("add-port", "q", "tap", "--queues", "0");
        Assert.NotEqual(0, queues.ExitCode);
        Assert.Contains("queues '0'", queues.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, d.Ctl("show").ExitCode);
        Assert.Equal(0, d.Ctl("list-ports").Stdout.Trim().Length);
    }

    [Fact]
    public void After_kill_9_and_a_restart_the_configured_tap_ports_are_created_again()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        string if1 = HostCommand.UniqueName("vsr");
        string if2 = HostCommand.UniqueName("vsr");
        Assert.Equal(0, d.Ctl("add-port", "r1", "tap", "--ifname", if1, "--queues", "2").ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "r2", "tap", "--ifname", if2, "--mtu", "2000").ExitCode);
        d.Kill();
        // The interfaces were the switch's own: they went with its fds.
        Assert.False(HostCommand.LinkExists(if1));
        Assert.False(HostCommand.LinkExists(if2));
        d.Start("--pmd-cpus", "0");
        // The control socket answers before the stored ports are restored: wait for both to be up.
        var sw = Stopwatch.StartNew();
        while (d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up") < 2)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "tap ports did not come back: " + d.Ctl("show").Stdout + d.Log);
            Thread.Sleep(100);
        }
        Assert.True(HostCommand.LinkExists(if1));
        Assert.True(HostCommand.LinkExists(if2));
        Assert.Equal("2000", File.ReadAllText($"/sys/class/net/{if2}/mtu").Trim());
        Assert.Contains("multi_queue", HostCommand.Ip("-d", "link", "show", if1), StringComparison.Ordinal);

        NetNamespace a = hosts.Adopt(if1, "10.88.1.1/24");
        hosts.Adopt(if2, "10.88.1.2/24");
        double rtt = TapNamespaces.Ping(a, "10.88.1.2");
        output.WriteLine($"after the restart: ping avg {rtt} ms over a 2-queue tap");
    }

    [Fact]
    public void A_namespace_pings_testpmd_icmpecho_on_a_vhost_user_port()
    {
        TestPmd.RequireAvailable();
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1");
        string socket = Path.Combine(d.Root, "vm1.sock");
        Assert.Equal(0, d.Ctl("add-port", "vm1", "vhostuser", "--socket", socket).ExitCode);
        (NetNamespace ns, _) = hosts.AddHost(d, "t1", "10.88.2.1/24");
        using var pmd = TestPmd.Start([$"net_virtio_user0,path={socket},queues=1,mac=02:00:00:00:00:99"],
            ["--forward-mode=icmpecho"], forwardCpu: 0, memoryMb: 768);
        pmd.WaitForPrompt(TimeSpan.FromSeconds(90));
        pmd.Send("start");
        var sw = Stopwatch.StartNew();
        while (d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Any(p => p.GetProperty("state").GetString() != "up"))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "ports did not come up: " + d.Ctl("show").Stdout);
            Thread.Sleep(100);
        }
        try
        {
            // testpmd's icmpecho answers ARP requests for any address and echo requests.
            double rtt = TapNamespaces.Ping(ns, "10.88.2.2", count: 10);
            output.WriteLine($"namespace -> testpmd icmpecho: ping avg {rtt} ms");
            Assert.True(pmd.GetPortStats(0).TxPackets >= 11);
        }
        catch
        {
            output.WriteLine("--- testpmd:\n" + pmd.Output + "\n--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void A_namespace_and_a_QEMU_guest_ping_each_other()
    {
        GuestImage image = GuestKit.RequireAvailable();
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        string socket = Path.Combine(d.Root, "vm1.sock");
        Assert.Equal(0, d.Ctl("add-port", "vm1", "vhostuser", "--socket", socket).ExitCode);
        (NetNamespace ns, _) = hosts.AddHost(d, "t1", "10.88.3.1/24");
        using QemuGuest guest = QemuGuest.Start(image, new GuestOptions
        {
            Name = "tapguest",
            Mac = "52:54:00:00:00:3a",
            SocketPath = socket,
            SocketMode = GuestSocketMode.QemuClient,
            CpuAffinity = "1",
            Timeout = TimeSpan.FromMinutes(6),
            Role = "ping,idle",
            Ip = "10.88.3.2/24",
            Peer = "10.88.3.1",
            PingCount = 5,
            Seconds = 120,
        });
        try
        {
            GuestResult ping = guest.WaitForResult("ping", TimeSpan.FromMinutes(3));
            Assert.Equal("5", ping["received"]);
            double rtt = TapNamespaces.Ping(ns, "10.88.3.2");
            output.WriteLine($"guest -> namespace avg {ping["avg"]} ms; namespace -> guest avg {rtt} ms");
        }
        catch
        {
            output.WriteLine($"--- guest console:\n{guest.Console}\n--- vswitchd log:\n{d.Log}");
            throw;
        }
    }
}
