using System.Diagnostics;
using System.Net.Sockets;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>
/// The real ovs-ofctl drives the real vswitchd over its management socket RUN_DIR/br0.mgmt: what it adds is what it
/// dumps (field by field), what vswitchctl shows and what a restart restores; flows added through either door act on
/// traffic between network namespaces; hostile bytes on the socket cost only that connection.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class OvsOfctlDaemonTests(ITestOutputHelper output)
{
    // Each flow as ovs-ofctl add-flows takes it, and as ovs-ofctl dump-flows prints it back (its canonical spelling).
    private static readonly (string Add, string Dumped)[] s_flows =
    [
        ("table=0,priority=100,cookie=0x5,ip,in_port=1,nw_src=10.0.0.0/8,actions=dec_ttl,set_field:00:11:22:33:44:55->eth_dst,goto_table:3",
            "cookie=0x5, table=0, priority=100,ip,in_port=1,nw_src=10.0.0.0/8 actions=dec_ttl,set_field:00:11:22:33:44:55->eth_dst,goto_table:3"),
        ("table=0,priority=90,idle_timeout=600,hard_timeout=1200,send_flow_rem,tcp,tp_dst=80,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2",
            "cookie=0x0, table=0, idle_timeout=600, hard_timeout=1200, send_flow_rem priority=90,tcp,tp_dst=80 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2"),
        ("table=0,priority=80,udp6,ipv6_src=2001:db8::/32,udp_src=53,actions=controller:100,clear_actions,write_actions(output:1)",
            "cookie=0x0, table=0, priority=80,udp6,ipv6_src=2001:db8::/32,tp_src=53 actions=CONTROLLER:100,clear_actions,write_actions(output:1)"),
        ("table=0,priority=70,arp,arp_tpa=10.1.1.1,arp_op=1,actions=in_port",
            "cookie=0x0, table=0, priority=70,arp,arp_tpa=10.1.1.1,arp_op=1 actions=IN_PORT"),
        ("table=0,priority=60,icmp6,icmp_type=135,nd_target=fe80::1,actions=flood",
            "cookie=0x0, table=0, priority=60,icmp6,icmp_type=135,nd_target=fe80::1 actions=FLOOD"),
        ("table=0,priority=50,dl_vlan=5,dl_vlan_pcp=3,actions=pop_vlan,write_metadata:0xff/0xff,goto_table:1",
            "cookie=0x0, table=0, priority=50,dl_vlan=5,dl_vlan_pcp=3 actions=pop_vlan,write_metadata:0xff/0xff,goto_table:1"),
        ("table=0,priority=40,dl_src=02:00:00:00:00:00/ff:ff:ff:00:00:00,dl_type=0x88cc,actions=all",
            "cookie=0x0, table=0, priority=40,dl_src=02:00:00:00:00:00/ff:ff:ff:00:00:00,dl_type=0x88cc actions=ALL"),
        ("table=1,priority=30,metadata=0x5/0xff,sctp,sctp_dst=9,ip_dscp=10,actions=normal",
            "cookie=0x0, table=1, priority=30,sctp,metadata=0x5/0xff,nw_tos=40,tp_dst=9 actions=NORMAL"),
        ("table=1,priority=20,icmp,icmp_type=8,icmp_code=0,nw_ecn=1,actions=set_field:10.9.9.9->ip_dst,output:1",
            "cookie=0x0, table=1, priority=20,icmp,nw_ecn=1,icmp_type=8,icmp_code=0 actions=set_field:10.9.9.9->ip_dst,output:1"),
        // Tunnel metadata: tun_id is OXM TUNNEL_ID, tun_src/tun_dst go as NXM_1 fields, set_tunnel as a set_field of TUNNEL_ID.
        ("table=1,priority=25,in_port=2,tun_id=0x5,tun_src=10.0.0.2,tun_dst=10.0.0.0/24,actions=set_tunnel:7,set_field:10.0.0.9->tun_dst,output:1",
            "cookie=0x0, table=1, priority=25,tun_id=0x5,tun_src=10.0.0.2,tun_dst=10.0.0.0/24,in_port=2 actions=set_field:0x7->tun_id,set_field:10.0.0.9->tun_dst,output:1"),
    ];

    [Fact]
    public void Ovs_ofctl_adds_modifies_deletes_and_dumps_the_flows_vswitchctl_sees_and_a_restart_keeps()
    {
        using var d = new DaemonProcess();
        int tcpPort = 20000 + (Environment.ProcessId % 20000);
        d.Start("--openflow-listen", $"ptcp:{tcpPort}");
        try
        {
            Assert.Equal(0, d.Ctl("add-port", "vm1", "vhostuser").ExitCode);
            Assert.Equal(0, d.Ctl("add-port", "vm2", "vhostuser").ExitCode);
            var of = new OvsOfctl(d);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
                File.GetUnixFileMode(of.SocketPath));

            string show = of.Ok("show");
            Assert.Contains("n_tables:255", show, StringComparison.Ordinal);
            Assert.Contains(" 1(vm1): addr:", show, StringComparison.Ordinal);
            Assert.Contains(" 2(vm2): addr:", show, StringComparison.Ordinal);
            string desc = of.Ok("dump-ports-desc");
            Assert.Contains("1(vm1)", desc, StringComparison.Ordinal);
            Assert.Contains("speed: 10000 Mbps now", desc, StringComparison.Ordinal);

            string file = Path.Combine(d.Root, "flows.txt");
            File.WriteAllLines(file, s_flows.Select(f => f.Add));
            of.Ok("add-flows", file);
            List<DumpedFlow> dumped = of.DumpFlows();
            Assert.Equal(s_flows.Length + 1, dumped.Count);
            foreach ((_, string expected) in s_flows)
            {
                DumpedFlow want = DumpedFlow.Parse(expected);
                Assert.Contains(dumped, f => f.Fields.SetEquals(want.Fields) && f.Actions == want.Actions);
            }

            // The other door: vswitchctl sees the same flows, and what it adds, ovs-ofctl sees.
            string ctlDump = d.Ctl("dump-flows").Stdout;
            Assert.Contains("send_flow_rem", ctlDump, StringComparison.Ordinal);
            Assert.Contains("priority=90,tcp,tp_dst=80", ctlDump, StringComparison.Ordinal);
            Assert.Contains("actions=controller:100,clear_actions,write_actions(output:vm1)", ctlDump, StringComparison.Ordinal);
            Assert.Contains("priority=25,tun_id=0x5,tun_src=10.0.0.2,tun_dst=10.0.0.0/24,in_port=vm2,actions=set_field:0x7->tun_id,set_field:10.0.0.9->tun_dst,output:vm1",
                ctlDump, StringComparison.Ordinal);
            CtlResult added = d.Ctl("add-flow", "table=2,priority=7,cookie=0x77,udp,tp_dst=4789,actions=output:vm1");
            Assert.True(added.ExitCode == 0, added.ToString());
            DumpedFlow fromCtl = Assert.Single(of.DumpFlows("table=2"));
            Assert.True(fromCtl.Fields.SetEquals(DumpedFlow.Parse("cookie=0x77, table=2, priority=7,udp,tp_dst=4789 actions=output:1").Fields), fromCtl.ToString());

            // A PACKET_IN carries the tunnel metadata the packet has at the controller action, and ovs-ofctl decodes it.
            using (var monitor = new OvsOfctlMonitor(d, of))
            {
                string frame = "ffffffffffff020000000099" + "88b5" + new string('0', 92);
                string packetIn = monitor.WaitForLine(l => l.Contains("OFPT_PACKET_IN", StringComparison.Ordinal) && l.Contains("tun_id=0x5", StringComparison.Ordinal),
                    () => of.Ok("packet-out", "in_port=controller,packet=" + frame
                        + ",actions=set_tunnel:5,set_field:10.0.0.2->tun_src,set_field:10.0.0.1->tun_dst,controller"),
                    TimeSpan.FromSeconds(30));
                output.WriteLine(packetIn);
                Assert.Contains("tun_id=0x5,tun_src=10.0.0.2,tun_dst=10.0.0.1,in_port=CONTROLLER (via action)", packetIn, StringComparison.Ordinal);
            }

            // mod-flows changes the actions only; del-flows --strict needs the priority; cookie masks select.
            of.Ok("mod-flows", "table=0,tcp,actions=output:1");
            DumpedFlow modified = Assert.Single(of.DumpFlows("table=0,tcp"));
            Assert.Equal("output:1", modified.Actions);
            Assert.Contains("idle_timeout=600", modified.Fields);
            of.Ok(["--strict"], "del-flows", "table=0,priority=71,arp,arp_tpa=10.1.1.1,arp_op=1");
            Assert.Single(of.DumpFlows("arp"));
            of.Ok(["--strict"], "del-flows", "table=0,priority=70,arp,arp_tpa=10.1.1.1,arp_op=1");
            Assert.Empty(of.DumpFlows("arp"));
            of.Ok("del-flows", "cookie=0x5/-1");
            Assert.Empty(of.DumpFlows("cookie=0x5/-1"));
            Assert.Equal(s_flows.Length, of.DumpFlows().Count);

            // Groups, and a flow naming a group that does not exist is refused with the switch's error.
            of.Ok("add-group", "group_id=1,type=all,bucket=output:1,bucket=actions=push_vlan:0x8100,set_field:4097->vlan_vid,output:2");
            of.Ok("add-group", "group_id=2,type=indirect,bucket=output:1");
            string groups = of.Ok("dump-groups");
            Assert.Contains("group_id=1,type=all,bucket=actions=output:1,bucket=actions=push_vlan:0x8100,set_field:4097->vlan_vid,output:2", groups, StringComparison.Ordinal);
            Assert.Contains("group_id=2,type=indirect,bucket=actions=output:1", groups, StringComparison.Ordinal);
            of.Ok("add-flow", "table=3,priority=5,actions=group:1");
            (int code, string stdout, string stderr) = of.Run("add-flow", "table=3,priority=6,actions=group:99");
            Assert.NotEqual(0, code);
            Assert.Contains("OFPBAC_BAD_OUT_GROUP", stdout + stderr, StringComparison.Ordinal);
            Assert.Contains("group_id=1,duration=", of.Ok("dump-group-stats"), StringComparison.Ordinal);
            Assert.Contains("ref_count=1", of.Ok("dump-group-stats", "group_id=1"), StringComparison.Ordinal);
            Assert.Contains("group_id=1,type=all", File.ReadAllText(d.DbPath), StringComparison.Ordinal);

            string tables = of.Ok("dump-tables");
            Assert.Contains("table 0:", tables, StringComparison.Ordinal);
            Assert.Contains("active=6", tables, StringComparison.Ordinal);
            Assert.Contains($"flow_count={s_flows.Length + 1}", of.Ok("dump-aggregate"), StringComparison.Ordinal);
            string ports = of.Ok("dump-ports");
            Assert.Contains("2 ports", ports, StringComparison.Ordinal);
            Assert.Contains("port  1:", ports, StringComparison.Ordinal);
            Assert.Contains("Manufacturer: VSwitch", of.Ok("dump-desc"), StringComparison.Ordinal);
            Assert.Contains("0 queues", of.Ok("queue-stats"), StringComparison.Ordinal);
            Assert.Contains("goto_table", of.Ok("dump-table-features"), StringComparison.Ordinal);
            Assert.Contains("Group table:", of.Ok("dump-group-features"), StringComparison.Ordinal);
            of.Ok("mod-group", "group_id=2,type=indirect,bucket=output:2");
            Assert.Contains("group_id=2,type=indirect,bucket=actions=output:2", of.Ok("dump-groups"), StringComparison.Ordinal);
            of.Ok("add-group", "group_id=3,type=all,bucket=output:1");
            of.Ok("del-groups", "group_id=3");
            Assert.DoesNotContain("group_id=3", of.Ok("dump-groups"), StringComparison.Ordinal);
            // The passive TCP listener serves the same switch.
            (int tcpCode, string tcpShow, string tcpErr) = HostCommand.Run(Prerequisite.FindOnPath("ovs-ofctl")!,
                ["-O", "OpenFlow13", "--timeout=20", "show", $"tcp:127.0.0.1:{tcpPort}"], 60_000);
            Assert.True(tcpCode == 0 && tcpShow.Contains(" 2(vm2): addr:", StringComparison.Ordinal), $"{tcpCode}: {tcpErr}{tcpShow}");

            // A restart restores what OpenFlow installed, as it restores what vswitchctl installed: both are in the DB.
            List<DumpedFlow> before = of.DumpFlows();
            Assert.Equal(0, d.Terminate());
            d.Start();
            of = new OvsOfctl(d);
            List<DumpedFlow> after = of.DumpFlows();
            Assert.Equal(before.Count, after.Count);
            foreach (DumpedFlow f in before)
            {
                Assert.Contains(after, a => a.Fields.SetEquals(f.Fields) && a.Actions == f.Actions);
            }
            Assert.Contains("group_id=2,type=indirect", of.Ok("dump-groups"), StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Groups_added_by_vswitchctl_are_the_groups_ovs_ofctl_sees_and_the_reverse_and_a_group_flow_forwards()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, _) = hosts.AddHost(d, "ga", "10.87.0.1/24");
        (NetNamespace b, _) = hosts.AddHost(d, "gb", "10.87.0.2/24");
        try
        {
            var of = new OvsOfctl(d);
            of.Ok("del-flows");

            // Bad group text is refused with the parser's reason, and nothing is added.
            CtlResult bad = d.Ctl("add-group", "group_id=5,type=select,bucket=output:1");
            Assert.True(bad.ExitCode == 1, bad.ToString());
            Assert.Contains("bad group", bad.Stderr, StringComparison.Ordinal);
            Assert.Contains("all and indirect", bad.Stderr, StringComparison.Ordinal);
            bad = d.Ctl("add-group", "group_id=5,type=all,bucket=output:nosuchport");
            Assert.True(bad.ExitCode == 1, bad.ToString());
            Assert.Contains("nosuchport", bad.Stderr, StringComparison.Ordinal);
            Assert.Empty(d.Ctl("dump-groups").Stdout.Trim());

            // vswitchctl adds (ports by name), ovs-ofctl sees it with the OpenFlow numbers; a second add of the id is refused.
            CtlResult added = d.Ctl("add-group", "group_id=5,type=all,bucket=output:ga,bucket=output:gb");
            Assert.True(added.ExitCode == 0, added.ToString());
            Assert.Contains("group_id=5,type=all,bucket=actions=output:1,bucket=actions=output:2", of.Ok("dump-groups"), StringComparison.Ordinal);
            CtlResult again = d.Ctl("add-group", "group_id=5,type=indirect,bucket=output:ga");
            Assert.True(again.ExitCode == 1 && again.Stderr.Contains("group 5 exists", StringComparison.Ordinal), again.ToString());

            // ovs-ofctl adds, vswitchctl sees it with port names, in text and JSON.
            of.Ok("add-group", "group_id=7,type=indirect,bucket=output:2");
            string ctlGroups = d.Ctl("dump-groups").Stdout;
            Assert.Contains("group_id=5,type=all,bucket=actions=output:ga,bucket=actions=output:gb", ctlGroups, StringComparison.Ordinal);
            Assert.Contains("group_id=7,type=indirect,bucket=actions=output:gb", ctlGroups, StringComparison.Ordinal);
            Assert.Equal("indirect", d.Ctl("dump-groups", "group_id=7", "--json").Json().GetProperty("groups")[0].GetProperty("type").GetString());

            // A flow that applies the ALL group forwards both ways (the bucket of the ingress port outputs nothing).
            Assert.Equal(0, d.Ctl("add-flow", "priority=10,actions=group:5").ExitCode);
            TapNamespaces.Ping(a, "10.87.0.2");
            TapNamespaces.Ping(b, "10.87.0.1");
            Assert.DoesNotContain("packet_count=0,", of.Ok("dump-group-stats", "group_id=5"), StringComparison.Ordinal);
            Assert.Equal(1, d.Ctl("dump-groups", "group_id=5", "--json").Json().GetProperty("groups")[0].GetProperty("flow_count").GetInt32());

            // Stored like the flows: a restart brings both groups back; deleting a group deletes the flows that apply it.
            Assert.Contains("group_id=7,type=indirect", File.ReadAllText(d.DbPath), StringComparison.Ordinal);
            Assert.Equal(0, d.Terminate());
            d.Start("--pmd-cpus", "0");
            of = new OvsOfctl(d);
            string restored = of.Ok("dump-groups");
            Assert.Contains("group_id=5,type=all", restored, StringComparison.Ordinal);
            Assert.Contains("group_id=7,type=indirect", restored, StringComparison.Ordinal);
            CtlResult deleted = d.Ctl("del-groups", "group_id=5", "--json");
            Assert.True(deleted.ExitCode == 0, deleted.ToString());
            Assert.Equal(1, deleted.Json().GetProperty("flows_removed").GetInt32());
            Assert.DoesNotContain(of.DumpFlows(), f => f.Actions.Contains("group:5", StringComparison.Ordinal));
            Assert.Equal(0, d.Ctl("del-groups").ExitCode);
            Assert.DoesNotContain("group_id", of.Ok("dump-groups"), StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Flows_installed_by_ovs_ofctl_forward_between_namespaces_and_hostile_bytes_cost_only_their_connection()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, _) = hosts.AddHost(d, "ta", "10.86.0.1/24");
        (NetNamespace b, string ifB) = hosts.AddHost(d, "tb", "10.86.0.2/24");
        try
        {
            var of = new OvsOfctl(d);
            // No flows at all: a table miss drops, nothing gets through.
            of.Ok("del-flows");
            Assert.Contains("0 packets received", a.Exec(30_000, "busybox", "ping", "-c", "2", "-W", "1", "10.86.0.2").Stdout, StringComparison.Ordinal);

            // Two tables: table 0 tags the ingress port in the metadata, table 1 forwards on it; b's way back goes through
            // a group. Ports are numbered in the order they were added: ta is 1, tb is 2.
            of.Ok("add-group", "group_id=5,type=all,bucket=output:1");
            string file = Path.Combine(d.Root, "pipeline.txt");
            File.WriteAllLines(file,
            [
                "table=0,priority=100,in_port=1,actions=write_metadata:0x1/0xff,goto_table:1",
                "table=0,priority=100,in_port=2,actions=write_metadata:0x2/0xff,goto_table:1",
                "table=1,priority=10,metadata=0x1/0xff,actions=output:2",
                "table=1,priority=10,metadata=0x2/0xff,actions=group:5",
            ]);
            of.Ok("add-flows", file);
            TapNamespaces.Ping(a, "10.86.0.2");
            TapNamespaces.Ping(b, "10.86.0.1");

            // One set of counters: vswitchctl's figure for a flow lies between two ovs-ofctl reads of the same flow.
            long first = Assert.Single(of.DumpFlows("table=1,metadata=0x1/0xff")).Packets;
            long ctl = d.Ctl("dump-flows", "--json").Json().GetProperty("flows").EnumerateArray()
                .Single(f => f.GetProperty("table").GetInt32() == 1 && f.GetProperty("match").GetString()!.Contains("metadata=0x1/0xff", StringComparison.Ordinal))
                .GetProperty("packets").GetInt64();
            long second = Assert.Single(of.DumpFlows("table=1,metadata=0x1/0xff")).Packets;
            output.WriteLine($"table 1 metadata=1 flow: ovs-ofctl {first}, vswitchctl {ctl}, ovs-ofctl {second}");
            Assert.True(first >= 6 && first <= ctl && ctl <= second, $"{first} <= {ctl} <= {second}");
            Assert.Contains("packet_count=", of.Ok("dump-group-stats", "group_id=5"), StringComparison.Ordinal);
            Assert.DoesNotContain("packet_count=0,", of.Ok("dump-group-stats", "group_id=5"), StringComparison.Ordinal);
            Assert.Contains("lookup=", of.Ok("dump-tables"), StringComparison.Ordinal);

            // PACKET_OUT: from the controller straight to port 2, and from port 1 through the tables; b's interface counts both.
            string frame = "ffffffffffff020000000099" + "88b5" + new string('0', 92);
            long rx = long.Parse(b.ReadSys($"/sys/class/net/{ifB}/statistics/rx_packets"), System.Globalization.CultureInfo.InvariantCulture);
            of.Ok("packet-out", "in_port=controller,packet=" + frame + ",actions=output:2");
            of.Ok("packet-out", "in_port=1,packet=" + frame + ",actions=table");
            WaitFor(() => long.Parse(b.ReadSys($"/sys/class/net/{ifB}/statistics/rx_packets"), System.Globalization.CultureInfo.InvariantCulture) >= rx + 2,
                "both packet-outs to reach tb");

            // Hostile bytes: a header that claims 4 bytes (less than itself). The switch answers or hangs up, the
            // connection is gone, and the datapath forwards all the while.
            using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                socket.Connect(new UnixDomainSocketEndPoint(of.SocketPath));
                socket.Send([0x04, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef]);
                socket.ReceiveTimeout = 20_000;
                var buffer = new byte[4096];
                int total = 0;
                int n;
                string end = "closed";
                try
                {
                    while ((n = socket.Receive(buffer)) > 0)
                    {
                        total += n;
                    }
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    // Closed with bytes of ours still unread on the switch's side: the kernel resets instead of a FIN.
                    end = "reset";
                }
                output.WriteLine($"hostile connection: {total} bytes back before the switch {end} it");
            }
            TapNamespaces.Ping(a, "10.86.0.2");
            Assert.Contains("table=1", of.Ok("dump-flows"), StringComparison.Ordinal);

            // Removing table 1's flows stops the traffic again: the flows are what forwards it.
            of.Ok("del-flows", "table=1");
            Assert.Contains("0 packets received", a.Exec(30_000, "busybox", "ping", "-c", "2", "-W", "1", "10.86.0.2").Stdout, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"timed out waiting for {what}");
            Thread.Sleep(50);
        }
    }
}
