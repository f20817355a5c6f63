using VSwitch.Daemon.Tests.Capture;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.OpenFlow;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tunnels;

/// <summary>
/// A flow-based vxlan port (<c>--remote-ip flow --key flow</c>) of a real vswitchd, programmed the way a controller does
/// it, by the real ovs-ofctl over OpenFlow 1.3: one flow sets tun_id (OVS's <c>set_tunnel</c>, sent as a set-field of
/// TUNNEL_ID) and tun_dst (a set-field of the NXM_1 field NXM_NX_TUN_IPV4_DST) and outputs to the tunnel, another
/// matches tun_id, tun_src and tun_dst on what comes back. The far end is the Linux kernel's vxlan device with VNI 5; a
/// second kernel device with VNI 6 on the same underlay shows that tun_id classifies, and that a PACKET_IN of a VNI 6
/// frame tells the controller (ovs-ofctl monitor) its VNI and remote.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class FlowBasedTunnelTests(ITestOutputHelper output)
{
    [Fact]
    public void Flows_set_and_match_tun_id_and_tun_dst_so_a_kernel_vxlan_device_with_vni_5_and_a_tap_endpoint_ping_both_ways()
    {
        using var hosts = new TunnelHosts();
        NetNamespace a = hosts.Namespace("vfa");
        NetNamespace k = hosts.Namespace("vfk");
        TunnelHosts.Link(a, "10.78.0.1/24", k, "ul", "10.78.0.2/24");
        Kernel(k, "ip", "link", "add", "vx5", "type", "vxlan", "id", "5", "remote", "10.78.0.1", "local", "10.78.0.2", "dstport", "4789", "dev", "ul");
        Kernel(k, "ip", "link", "add", "vx6", "type", "vxlan", "id", "6", "remote", "10.78.0.1", "local", "10.78.0.2", "dstport", "4789", "dev", "ul");
        Kernel(k, "ip", "addr", "add", "192.168.78.2/24", "dev", "vx5");
        Kernel(k, "ip", "addr", "add", "192.168.79.2/24", "dev", "vx6");
        Kernel(k, "ip", "link", "set", "vx5", "up");
        Kernel(k, "ip", "link", "set", "vx6", "up");
        DaemonProcess d = hosts.Daemon(a);
        try
        {
            (NetNamespace t, _) = hosts.Endpoint(d, a, "t1", "192.168.78.1/24");
            TunnelHosts.Ok(d.Ctl("add-port", "vx", "vxlan", "--remote-ip", "flow", "--key", "flow", "--local-ip", "10.78.0.1"));
            string status = d.Ctl("port-status", "vx").Stdout;
            Assert.Contains("remote ip: flow", status, StringComparison.Ordinal);
            Assert.Contains("key (VNI): flow", status, StringComparison.Ordinal);

            // Only these flows: nothing else may carry traffic between the tap and the tunnel.
            TunnelHosts.Ok(d.Ctl("del-flows"));
            Prerequisite.Require(Prerequisite.FindOnPath("ovs-ofctl") is not null, "ovs-ofctl (openvswitch-common) is missing");
            var of = new OvsOfctl(d);
            of.Ok("add-flow", "priority=100,in_port=1,actions=set_tunnel:5,set_field:10.78.0.2->tun_dst,output:2");
            of.Ok("add-flow", "priority=100,in_port=2,tun_id=5,tun_src=10.78.0.2,tun_dst=10.78.0.1,actions=output:1");
            List<DumpedFlow> flows = of.DumpFlows();
            Assert.Contains(flows, f => f.Fields.Contains("in_port=1") && f.Actions == "set_field:0x5->tun_id,set_field:10.78.0.2->tun_dst,output:2");
            Assert.Contains(flows, f => f.Fields.IsSupersetOf(["tun_id=0x5", "tun_src=10.78.0.2", "tun_dst=10.78.0.1", "in_port=2"])
                && f.Actions == "output:1");
            string ctlFlows = d.Ctl("dump-flows").Stdout;
            Assert.Contains("tun_id=0x5,tun_src=10.78.0.2,tun_dst=10.78.0.1,in_port=vx,actions=output:t1", ctlFlows, StringComparison.Ordinal);
            Assert.Contains("in_port=t1,actions=set_field:0x5->tun_id,set_field:10.78.0.2->tun_dst,output:vx", ctlFlows, StringComparison.Ordinal);

            string pcap = Path.Combine(d.Root, "underlay.pcap");
            TunnelHosts.Capture(k, "ul", pcap, () =>
            {
                TunnelHosts.Ping(t, "192.168.78.2");
                TunnelHosts.Ping(k, "192.168.78.1");
            });
            Tshark.Require();
            string[] lines = Tshark.Fields(pcap, "udp.dstport == 4789", "ip.src", "vxlan.vni", "icmp.type");
            output.WriteLine($"{lines.Length} VXLAN packets captured on the underlay");
            var packets = lines.Select(l => l.Split('|')).Select(f => (Src: f[0].Split(',')[0], Vni: f[1], Icmp: f[2])).ToList();
            Assert.Contains(packets, p => p.Src == "10.78.0.1" && p.Icmp == "8");
            Assert.Contains(packets, p => p.Src == "10.78.0.1" && p.Icmp == "0");
            Assert.All(packets.Where(p => p.Src == "10.78.0.1"), p => Assert.Equal("5", p.Vni));

            // VNI 6 reaches the flow-based port too (it takes any VNI), but no flow matches tun_id=6: the datapath finds no
            // flow for those frames (every other frame here matches one of the two flows).
            long vxBefore = TunnelHosts.Counter(d, "vx", "rx");
            long noRuleBefore = NoRule(d);
            (int code, _, _) = k.Exec(30_000, "busybox", "ping", "-c", "4", "-i", "0.5", "-W", "1", "192.168.79.1");
            Assert.NotEqual(0, code);
            Eventually.True(() => TunnelHosts.Counter(d, "vx", "rx") > vxBefore && NoRule(d) > noRuleBefore,
                "the VNI 6 frames to arrive on vx and find no flow", detail: () => d.Ctl("pmd-stats").Stdout);
            TunnelHosts.Ping(t, "192.168.78.2");

            // A controller told about VNI 6: the PACKET_IN's match names the VNI and the remote, which in_port alone
            // (the one flow-based port) cannot.
            of.Ok("add-flow", "priority=50,in_port=2,tun_id=6,actions=controller");
            using (var monitor = new OvsOfctlMonitor(d, of))
            {
                string packetIn = monitor.WaitForLine(l => l.Contains("OFPT_PACKET_IN", StringComparison.Ordinal),
                    () => k.Exec(30_000, "busybox", "ping", "-c", "1", "-W", "1", "192.168.79.1"), TimeSpan.FromSeconds(60));
                output.WriteLine(packetIn);
                Assert.Contains("tun_id=0x6,tun_src=10.78.0.2,tun_dst=10.78.0.1,in_port=2 (via action)", packetIn, StringComparison.Ordinal);
            }
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            output.WriteLine(d.Ctl("port-stats").Stdout);
            output.WriteLine(d.Ctl("dump-flows").Stdout);
            throw;
        }
    }

    [Fact]
    public void A_flow_based_remote_without_a_tun_dst_drops_by_name()
    {
        using var hosts = new TunnelHosts();
        NetNamespace a = hosts.Namespace("vfa");
        NetNamespace k = hosts.Namespace("vfk");
        TunnelHosts.Link(a, "10.78.1.1/24", k, "ul", "10.78.1.2/24");
        DaemonProcess d = hosts.Daemon(a);
        (NetNamespace t, _) = hosts.Endpoint(d, a, "t1", "192.168.78.1/24");
        TunnelHosts.Ok(d.Ctl("add-port", "vx", "vxlan", "--remote-ip", "flow", "--key", "7"));
        TunnelHosts.Ok(d.Ctl("del-flows"));
        TunnelHosts.Ok(d.Ctl("add-flow", "priority=100,in_port=t1,actions=output:vx"));
        _ = t.Exec(30_000, "busybox", "ping", "-c", "3", "-i", "0.5", "-W", "1", "192.168.78.2");
        Eventually.True(() => TunnelHosts.Counter(d, "vx", "tx", "TunnelNoRemote") >= 1, "frames without tun_dst counted as TunnelNoRemote",
            detail: () => d.Ctl("port-stats", "vx", "--json").Stdout);
        Assert.Equal(0, TunnelHosts.Counter(d, "vx", "tx"));
    }

    /// <summary>The datapath threads' NoRule drops (packets no flow matched).</summary>
    private static long NoRule(DaemonProcess d) =>
        d.Ctl("pmd-stats", "--json").Json().GetProperty("threads").EnumerateArray()
            .Sum(t => t.GetProperty("drops_by_reason").TryGetProperty("NoRule", out System.Text.Json.JsonElement n) ? n.GetInt64() : 0);

    private static void Kernel(NetNamespace ns, params string[] command)
    {
        (int code, string stdout, string stderr) = ns.Exec(10_000, command);
        Assert.True(code == 0, $"{string.Join(' ', command)} in {ns.Name}: {stdout} {stderr}");
    }
}
