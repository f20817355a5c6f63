using System.Diagnostics;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Guests;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit.Guests;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tunnels;

/// <summary>
/// Real Linux guests (QEMU under TCG) on vhost-user ports of vswitchd hosts joined by VXLAN: against the Linux kernel's
/// own vxlan device, and between two vswitchd hosts. The guests' interfaces have the overlay MTU, 1450, so the largest
/// ping (1422 bytes of payload) and every TCP segment fit the tunnel. The guests offload checksums and segmentation to
/// the switch (QEMU's defaults), so what enters a tunnel from them was completed and cut to size by the datapath, and
/// the receiving kernels' checksum counters say whether that was done right.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class VxlanGuestTests(ITestOutputHelper output) : IDisposable
{
    private const long Bytes = 4L << 20;
    private const int Port = 5001;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(4);
    private readonly List<QemuGuest> _guests = [];
    private readonly List<DaemonProcess> _daemons = [];
    private TunnelHosts? _hosts;

    [Fact]
    public void A_kernel_vxlan_device_reaches_a_guest_and_a_tap_endpoint_behind_vswitchd_with_pings_of_every_size_and_tcp_both_ways()
    {
        var sw = Stopwatch.StartNew();
        GuestImage image = GuestKit.RequireAvailable();
        TunnelHosts hosts = Hosts();
        NetNamespace a = hosts.Namespace("vxa"), k = hosts.Namespace("vxk");
        TunnelHosts.Link(a, "10.80.0.1/24", k, "ul", "10.80.0.2/24");
        KernelVxlan(k, vni: 4343, local: "10.80.0.2", remote: "10.80.0.1", cidr: "192.168.80.2/24");
        DaemonProcess d = Daemon(hosts, a);
        Checked(() =>
        {
            (NetNamespace t, _) = hosts.Endpoint(d, a, "t1", "192.168.80.1/24");
            TunnelHosts.Tunnel(d, "vx1", "10.80.0.1", "10.80.0.2", 4343);
            // The guest reaches the kernel host first (ARP and learning across the tunnel), then holds while the
            // others ping it, then sends the payload to the kernel host and receives it back.
            QemuGuest g = Guest(image, d, "vm1", "52:54:00:00:80:03", "192.168.80.3/24", peer: "192.168.80.2", role: "reach,hold,send,recv");
            g.WaitForResult("hold", BootTimeout);
            Assert.Equal("1450", g.WaitForResult("link", TimeSpan.Zero)["mtu"]);
            long kernelErrors = TapOffloadTests.InCsumErrors(k);

            foreach (int size in new[] { 56, 1400, 1422 })
            {
                TunnelHosts.Ping(k, "192.168.80.3", size);
                TunnelHosts.Ping(k, "192.168.80.1", size);
                TunnelHosts.Ping(t, "192.168.80.3", size);
            }

            string received = Path.Combine(d.Root, "from-guest.bin");
            using (Process listener = TapNamespaces.Listen(k, Port, received))
            {
                try
                {
                    g.Resume();
                    GuestResult sent = g.WaitForResult("send", TransferTimeout);
                    Assert.True(sent["ok"] == "1", sent.Line);
                    TapNamespaces.WaitForListener(listener);
                    Assert.Equal(GuestPayload.Md5(Bytes), TapNamespaces.Md5(received), StringComparer.OrdinalIgnoreCase);
                    Assert.Equal(GuestPayload.Md5(Bytes), sent["md5"]);
                }
                finally
                {
                    TapNamespaces.EndListener(listener);
                }
            }
            GuestResult recv = SendTo(g, k, "192.168.80.3", d.Root);
            output.WriteLine($"{Bytes >> 20} MiB guest -> kernel vxlan in {g.WaitForResult("send", TimeSpan.Zero)["seconds"]} s, "
                + $"kernel vxlan -> guest in {recv["seconds"]} s");
            MigrationSteps.AssertNoChecksumErrors(g);
            Assert.Equal(kernelErrors, TapOffloadTests.InCsumErrors(k));
            Assert.True(TunnelHosts.Counter(d, "vx1", "tx") > 0 && TunnelHosts.Counter(d, "vx1", "rx") > 0, d.Ctl("port-stats", "vx1").Stdout);
            output.WriteLine(d.Ctl("port-stats").Stdout);
            output.WriteLine($"scenario {sw.Elapsed.TotalSeconds:F0} s");
        });
    }

    [Fact]
    public void Two_hosts_each_with_a_guest_and_a_tap_endpoint_reach_every_endpoint_across_the_tunnel_and_the_guests_exchange_tcp()
    {
        var sw = Stopwatch.StartNew();
        GuestImage image = GuestKit.RequireAvailable();
        TunnelHosts hosts = Hosts();
        NetNamespace u = hosts.Underlay();
        NetNamespace ha = hosts.Namespace("vxa"), hb = hosts.Namespace("vxb");
        TunnelHosts.Link(ha, "10.81.0.1/24", u, "ha", null);
        TunnelHosts.Link(hb, "10.81.0.2/24", u, "hb", null);
        DaemonProcess da = Daemon(hosts, ha), db = Daemon(hosts, hb);
        Checked(() =>
        {
            (NetNamespace a1, _) = hosts.Endpoint(da, ha, "a1", "192.168.81.11/24");
            (NetNamespace b1, _) = hosts.Endpoint(db, hb, "b1", "192.168.81.21/24");
            TunnelHosts.Tunnel(da, "to-b", "10.81.0.1", "10.81.0.2", 5001);
            TunnelHosts.Tunnel(db, "to-a", "10.81.0.2", "10.81.0.1", 5001);
            const string MacA = "52:54:00:00:81:12", MacB = "52:54:00:00:81:22";
            // Each guest first reaches the other across the tunnel; then B listens and A holds until the endpoints have
            // pinged everyone, then sends B the payload.
            QemuGuest ga = Guest(image, da, "ga", MacA, "192.168.81.12/24", peer: "192.168.81.22", role: "reach,hold,send");
            QemuGuest gb = Guest(image, db, "gb", MacB, "192.168.81.22/24", peer: "192.168.81.12", role: "reach,recv");
            ga.WaitForResult("hold", BootTimeout);
            gb.WaitForResult("listen", BootTimeout);

            string[] all = ["192.168.81.11", "192.168.81.12", "192.168.81.21", "192.168.81.22"];
            foreach ((NetNamespace ns, string self) in new[] { (a1, "192.168.81.11"), (b1, "192.168.81.21") })
            {
                foreach (string ip in all.Where(ip => ip != self))
                {
                    TunnelHosts.Ping(ns, ip, 1422, count: 2);
                }
            }
            // Each switch learnt the other host's guest behind its tunnel port.
            Assert.Equal("to-b", MigrationSteps.FdbPort(da, MacB));
            Assert.Equal("to-a", MigrationSteps.FdbPort(db, MacA));
            Assert.Equal("ga", MigrationSteps.FdbPort(da, MacA));
            Assert.Equal("gb", MigrationSteps.FdbPort(db, MacB));

            ga.Resume();
            GuestResult sent = ga.WaitForResult("send", TransferTimeout);
            GuestResult recv = gb.WaitForResult("recv", TransferTimeout);
            Assert.True(sent["ok"] == "1" && recv["ok"] == "1", sent.Line + "\n" + recv.Line);
            Assert.Equal(GuestPayload.Md5(Bytes), sent["md5"]);
            Assert.Equal(GuestPayload.Md5(Bytes), recv["md5"]);
            MigrationSteps.AssertNoChecksumErrors(ga, gb);
            output.WriteLine($"{Bytes >> 20} MiB guest A -> guest B across the tunnel in {recv["seconds"]} s");
            output.WriteLine(da.Ctl("fdb-show").Stdout);
            output.WriteLine($"scenario {sw.Elapsed.TotalSeconds:F0} s");
        });
    }

    /// <summary>A kernel host: a Linux vxlan device to <paramref name="remote"/> on the host's underlay link <c>ul</c>.</summary>
    private static void KernelVxlan(NetNamespace k, int vni, string local, string remote, string cidr)
    {
        Run(k, "ip", "link", "add", "vx0", "type", "vxlan", "id", $"{vni}", "remote", remote, "local", local, "dstport", "4789", "dev", "ul");
        // As in VxlanInteropTests: a veth passes partial checksums on unfinished, and vswitchd's UDP socket would get the
        // inner TCP checksums unfinished; a NIC would finish them on the wire, here the kernel host does.
        Run(k, "ethtool", "-K", "ul", "tx", "off");
        Run(k, "ip", "addr", "add", cidr, "dev", "vx0");
        Run(k, "ip", "link", "set", "vx0", "up");
    }

    /// <summary>Sends the payload from <paramref name="from"/> to the guest's recv role; checks its md5.</summary>
    private static GuestResult SendTo(QemuGuest g, NetNamespace from, string ip, string dir)
    {
        string file = Path.Combine(dir, "to-guest.bin");
        using (FileStream f = File.Create(file))
        {
            GuestPayload.Write(f, Bytes);
        }
        g.WaitForResult("listen", TransferTimeout);
        TapNamespaces.Send(from, ip, Port, file, refusedFor: TimeSpan.FromMinutes(1));
        GuestResult recv = g.WaitForResult("recv", TransferTimeout);
        Assert.True(recv["ok"] == "1", recv.Line);
        Assert.Equal(GuestPayload.Md5(Bytes), recv["md5"]);
        return recv;
    }

    private TunnelHosts Hosts() => _hosts = new TunnelHosts();

    private DaemonProcess Daemon(TunnelHosts hosts, NetNamespace host)
    {
        DaemonProcess d = hosts.Daemon(host);
        _daemons.Add(d);
        return d;
    }

    /// <summary>Adds vhost-user port <paramref name="port"/> to <paramref name="d"/> and boots a guest on it with MTU 1450.</summary>
    private QemuGuest Guest(GuestImage image, DaemonProcess d, string port, string mac, string cidr, string peer, string role)
    {
        string socket = Path.Combine(d.Root, port + ".sock");
        TunnelHosts.Ok(d.Ctl("add-port", port, "vhostuser", "--socket", socket));
        QemuGuest g = QemuGuest.Start(image, new GuestOptions
        {
            Name = port,
            Mac = mac,
            SocketPath = socket,
            SocketMode = GuestSocketMode.QemuClient,
            Timeout = TimeSpan.FromMinutes(10),
            Role = role,
            Ip = cidr,
            Peer = peer,
            Mtu = 1450,
            Bytes = Bytes,
            Port = Port,
            Seconds = 240,
            WaitSeconds = 120,
        });
        _guests.Add(g);
        return g;
    }

    private static void Run(NetNamespace ns, params string[] command)
    {
        (int code, string stdout, string stderr) = ns.Exec(10_000, command);
        Assert.True(code == 0, $"{string.Join(' ', command)} in {ns.Name}: {stdout} {stderr}");
    }

    private void Checked(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            TunnelHosts.DumpOnFailure(output, _guests, _daemons);
            throw;
        }
    }

    public void Dispose()
    {
        // Guests first, then the daemons and namespaces (their vhost-user sockets go with the daemons).
        foreach (QemuGuest g in _guests)
        {
            g.Dispose();
        }
        _hosts?.Dispose();
    }
}
