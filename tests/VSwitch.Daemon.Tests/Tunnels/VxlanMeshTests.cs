using System.Globalization;
using System.Text.RegularExpressions;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tunnels;

/// <summary>
/// Several hosts, each a namespace running its own vswitchd with its own underlay address on one bridged underlay,
/// joined by vxlan ports in a full mesh; tap endpoints behind each switch form one L2 segment.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class VxlanMeshTests(ITestOutputHelper output)
{
    private const int Vni = 5000;

    [Fact]
    public void Endpoints_on_two_hosts_reach_each_other_and_a_third_host_joins_the_mesh_with_each_broadcast_heard_once()
    {
        using var hosts = new TunnelHosts();
        NetNamespace u = hosts.Underlay();
        NetNamespace ha = hosts.Namespace("vxa"), hb = hosts.Namespace("vxb"), hc = hosts.Namespace("vxc");
        TunnelHosts.Link(ha, "10.78.0.1/24", u, "ha", null);
        TunnelHosts.Link(hb, "10.78.0.2/24", u, "hb", null);
        TunnelHosts.Link(hc, "10.78.0.3/24", u, "hc", null);
        DaemonProcess da = hosts.Daemon(ha), db = hosts.Daemon(hb), dc = hosts.Daemon(hc);
        DaemonProcess[] daemons = [da, db, dc];
        try
        {
            (NetNamespace a1, string ifA1) = hosts.Endpoint(da, ha, "a1", "192.168.78.11/24");
            (NetNamespace a2, string ifA2) = hosts.Endpoint(da, ha, "a2", "192.168.78.12/24");
            (NetNamespace b1, string ifB1) = hosts.Endpoint(db, hb, "b1", "192.168.78.21/24");
            (NetNamespace c1, string ifC1) = hosts.Endpoint(dc, hc, "c1", "192.168.78.31/24");

            // Two hosts: every endpoint reaches every other, locally and across the tunnel.
            TunnelHosts.Tunnel(da, "to-b", "10.78.0.1", "10.78.0.2", Vni);
            TunnelHosts.Tunnel(db, "to-a", "10.78.0.2", "10.78.0.1", Vni);
            var two = new (NetNamespace Ns, string Ip)[] { (a1, "192.168.78.11"), (a2, "192.168.78.12"), (b1, "192.168.78.21") };
            PingAll(two);

            // TCP across the tunnel both ways, md5-checked. The taps hand over TSO super-frames, the sending host cuts
            // them into one UDP_SEGMENT send, the receiving socket gets the run back in one UDP_GRO read, and the
            // receiving vxlan port puts the inner segments back together into super-frames for its tap. The two
            // endpoints get the overlay MTU, so their TCP picks segments the tunnel carries.
            HostCommand.Ip("-n", a1.Name, "link", "set", ifA1, "mtu", "1450");
            HostCommand.Ip("-n", b1.Name, "link", "set", ifB1, "mtu", "1450");
            _ = TunnelHosts.Transfer(a1, b1, "192.168.78.21", da.Root);
            _ = TunnelHosts.Transfer(b1, a1, "192.168.78.11", db.Root);
            string status = db.Ctl("port-status", "to-a").Stdout;
            output.WriteLine(status);
            Match built = Regex.Match(status, @"super-frames built \(rx\): (\d+)");
            Assert.True(built.Success && long.Parse(built.Groups[1].Value, CultureInfo.InvariantCulture) > 0, status);

            // The third host joins: a tunnel to it from each, and from it to each.
            TunnelHosts.Tunnel(da, "to-c", "10.78.0.1", "10.78.0.3", Vni);
            TunnelHosts.Tunnel(db, "to-c", "10.78.0.2", "10.78.0.3", Vni);
            TunnelHosts.Tunnel(dc, "to-a", "10.78.0.3", "10.78.0.1", Vni);
            TunnelHosts.Tunnel(dc, "to-b", "10.78.0.3", "10.78.0.2", Vni);
            PingAll([.. two, (c1, "192.168.78.31")]);

            // A broadcast (ARP for an address nobody has) from a1 reaches each other endpoint once, and never comes
            // back: every host floods it to its local ports and its tunnels, but a frame from a tunnel goes only to local
            // ports, so no switch relays it into another tunnel.
            // The endpoints' neighbour entries are made permanent first, so no ARP probe of theirs is counted with it.
            var endpoints = new (NetNamespace Ns, string If)[] { (a1, ifA1), (a2, ifA2), (b1, ifB1), (c1, ifC1) };
            string[] ips = ["192.168.78.11", "192.168.78.12", "192.168.78.21", "192.168.78.31"];
            for (int i = 0; i < endpoints.Length; i++)
            {
                for (int j = 0; j < endpoints.Length; j++)
                {
                    if (i != j)
                    {
                        string mac = endpoints[j].Ns.ReadSys($"/sys/class/net/{endpoints[j].If}/address");
                        HostCommand.Ip("-n", endpoints[i].Ns.Name, "neigh", "replace", ips[j], "lladdr", mac, "nud", "permanent",
                            "dev", endpoints[i].If);
                    }
                }
            }
            WaitForRest(daemons);
            long[] before = [.. endpoints.Select(e => TunnelHosts.RxPackets(e.Ns, e.If))];
            long[] tunnelsBefore = TunnelTx(da, db, dc);
            const int Broadcasts = 5;
            _ = a1.Exec(60_000, "busybox", "arping", "-c", $"{Broadcasts}", "-w", "10", "-I", ifA1, "192.168.78.99");
            WaitForRest(daemons);
            long[] after = [.. endpoints.Select(e => TunnelHosts.RxPackets(e.Ns, e.If))];
            output.WriteLine($"rx before {string.Join(',', before)}, after {string.Join(',', after)}");
            Assert.Equal(0, after[0] - before[0]);
            for (int i = 1; i < endpoints.Length; i++)
            {
                Assert.Equal(Broadcasts, after[i] - before[i]);
            }
            // A sent each one into both its tunnels; B and C sent none of them on (their tunnels carry nothing else now).
            long[] tunnels = TunnelTx(da, db, dc);
            Assert.Equal([Broadcasts, Broadcasts, 0, 0, 0, 0], tunnels.Select((n, i) => n - tunnelsBefore[i]));
        }
        catch
        {
            foreach (DaemonProcess d in daemons)
            {
                output.WriteLine("--- vswitchd log:\n" + d.Log);
                output.WriteLine(d.Ctl("port-stats").Stdout);
            }
            throw;
        }
    }

    [Fact]
    public void Tcp_over_ipv6_between_endpoints_on_two_hosts_arrives_in_tcpv6_super_frames()
    {
        using var hosts = new TunnelHosts();
        NetNamespace u = hosts.Underlay();
        NetNamespace ha = hosts.Namespace("vxa"), hb = hosts.Namespace("vxb");
        TunnelHosts.Link(ha, "10.79.0.1/24", u, "ha", null);
        TunnelHosts.Link(hb, "10.79.0.2/24", u, "hb", null);
        DaemonProcess da = hosts.Daemon(ha), db = hosts.Daemon(hb);
        try
        {
            (NetNamespace a1, string ifA1) = hosts.Endpoint(da, ha, "a1", "192.168.79.11/24");
            (NetNamespace b1, string ifB1) = hosts.Endpoint(db, hb, "b1", "192.168.79.21/24");
            TunnelHosts.Tunnel(da, "to-b", "10.79.0.1", "10.79.0.2", Vni);
            TunnelHosts.Tunnel(db, "to-a", "10.79.0.2", "10.79.0.1", Vni);
            // IPv6 on the two endpoint interfaces only, with the overlay MTU (1450 is above IPv6's 1280 minimum).
            TunnelHosts.EnableIpv6(a1, ifA1, "fd00:79::11/64");
            TunnelHosts.EnableIpv6(b1, ifB1, "fd00:79::21/64");
            HostCommand.Ip("-n", a1.Name, "link", "set", ifA1, "mtu", "1450");
            HostCommand.Ip("-n", b1.Name, "link", "set", ifB1, "mtu", "1450");
            TunnelHosts.Ping(a1, "fd00:79::21", count: 2);
            TunnelHosts.Ping(b1, "fd00:79::11", count: 2);

            // TCP over IPv6 both ways, md5-checked: the taps hand over TCPv6 super-frames, the sending host cuts them into
            // one UDP_SEGMENT send, and the receiving port puts the run back together as TCPv6 super-frames.
            _ = TunnelHosts.Transfer(a1, b1, "fd00:79::21", da.Root);
            _ = TunnelHosts.Transfer(b1, a1, "fd00:79::11", db.Root);
            // Each receiving tap (it took TSO for IPv6 from its kernel) was written super-frames: only the tunnel made any.
            foreach ((DaemonProcess d, string port, string tap) in new[] { (db, "to-a", "b1"), (da, "to-b", "a1") })
            {
                string status = d.Ctl("port-status", port).Stdout;
                output.WriteLine(status);
                Match built = Regex.Match(status, @"super-frames built from IPv6 \(rx\): (\d+)");
                Assert.True(built.Success && long.Parse(built.Groups[1].Value, CultureInfo.InvariantCulture) > 0, status);
                string tapStatus = d.Ctl("port-status", tap).Stdout;
                Match written = Regex.Match(tapStatus, @"super-frames: rx \d+, tx (\d+)");
                Assert.True(written.Success && long.Parse(written.Groups[1].Value, CultureInfo.InvariantCulture) > 0, tapStatus);
            }
        }
        catch
        {
            foreach (DaemonProcess d in new[] { da, db })
            {
                output.WriteLine("--- vswitchd log:\n" + d.Log);
                output.WriteLine(d.Ctl("port-stats").Stdout);
            }
            throw;
        }
    }

    private static void PingAll((NetNamespace Ns, string Ip)[] endpoints)
    {
        foreach ((NetNamespace from, string fromIp) in endpoints)
        {
            foreach ((_, string to) in endpoints)
            {
                if (to != fromIp)
                {
                    TunnelHosts.Ping(from, to, count: 2);
                }
            }
        }
    }

    private static void WaitForRest(DaemonProcess[] daemons)
    {
        foreach (DaemonProcess d in daemons)
        {
            d.WaitForDatapathRest();
        }
    }

    /// <summary>Packets sent by each tunnel port: A to B, A to C, B to A, B to C, C to A, C to B.</summary>
    private static long[] TunnelTx(DaemonProcess da, DaemonProcess db, DaemonProcess dc) =>
    [
        TunnelHosts.Counter(da, "to-b", "tx"), TunnelHosts.Counter(da, "to-c", "tx"),
        TunnelHosts.Counter(db, "to-a", "tx"), TunnelHosts.Counter(db, "to-c", "tx"),
        TunnelHosts.Counter(dc, "to-a", "tx"), TunnelHosts.Counter(dc, "to-b", "tx"),
    ];
}
