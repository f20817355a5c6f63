using System.Globalization;
using System.Text.RegularExpressions;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>
/// One set of tables through both doors, for removals: a flow that ovs-ofctl added with send_flow_rem and that
/// vswitchctl deletes is reported to the OpenFlow side (the real <c>ovs-ofctl monitor</c>) as FLOW_REMOVED with reason
/// delete and the packets the flow forwarded between two network namespaces; an add that replaces a flow reports
/// nothing; a flow without send_flow_rem is never reported; vswitchctl del-groups and a hard timeout give their reasons.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed partial class FlowRemovedTests(ITestOutputHelper output)
{
    [Fact]
    public void A_flow_ovs_ofctl_added_and_vswitchctl_deleted_reaches_ovs_ofctl_monitor_as_FLOW_REMOVED_with_its_packets()
    {
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, _) = hosts.AddHost(d, "fa", "10.89.0.1/24");
        hosts.AddHost(d, "fb", "10.89.0.2/24");
        try
        {
            // Ports are numbered in the order they were added: fa is 1, fb is 2. ARP goes by NORMAL (no send_flow_rem);
            // everything else by the two port-to-port flows, the first of which asks for FLOW_REMOVED.
            var of = new OvsOfctl(d);
            of.Ok("del-flows");
            string file = Path.Combine(d.Root, "flows.txt");
            File.WriteAllLines(file,
            [
                "table=0,priority=100,cookie=0x51,send_flow_rem,idle_timeout=600,in_port=1,actions=output:2",
                "table=0,priority=200,cookie=0x53,arp,actions=normal",
                "table=0,priority=100,cookie=0x52,send_flow_rem,in_port=2,actions=output:1",
            ]);
            of.Ok("add-flows", file);

            using var monitor = new OvsOfctlMonitor(d, of);
            // The monitor is connected once a PACKET_IN reaches it (it prints nothing until then).
            string frame = "ffffffffffff020000000099" + "88b5" + new string('0', 92);
            monitor.WaitForLine(l => l.Contains("OFPT_PACKET_IN", StringComparison.Ordinal),
                () => of.Ok("packet-out", "in_port=controller,packet=" + frame + ",actions=controller"), TimeSpan.FromSeconds(30));

            TapNamespaces.Ping(a, "10.89.0.2");
            // vswitchctl's add of the same table, match and priority replaces the b-to-a flow: an update, not a removal.
            CtlResult replaced = d.Ctl("add-flow", "priority=100,cookie=0x62,send_flow_rem,in_port=fb,actions=output:fa");
            Assert.True(replaced.ExitCode == 0, replaced.ToString());
            DumpedFlow before = Assert.Single(of.DumpFlows("cookie=0x51/-1"));
            output.WriteLine($"a-to-b flow before the delete: {before.Packets} packets, {before.Bytes} bytes");
            Assert.True(before.Packets >= 5, $"{before.Packets} packets");

            CtlResult deleted = d.Ctl("del-flows", "in_port=fa");
            Assert.True(deleted.ExitCode == 0, deleted.ToString());
            string line = monitor.WaitForLine(l => l.Contains("OFPT_FLOW_REMOVED", StringComparison.Ordinal), () => { }, TimeSpan.FromSeconds(30));
            output.WriteLine(line);
            Assert.Contains("cookie:0x51", line, StringComparison.Ordinal);
            Assert.Contains("reason=delete", line, StringComparison.Ordinal);
            Assert.Contains("priority=100,in_port=1", line, StringComparison.Ordinal);
            Assert.Contains("table_id=0", line, StringComparison.Ordinal);
            Assert.Contains("idle600", line, StringComparison.Ordinal);
            Match counts = CountsRegex().Match(line);
            Assert.True(counts.Success, line);
            Assert.Equal(before.Packets, long.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture));
            Assert.Equal(before.Bytes, long.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture));

            // Every flow of every table: the replacing flow is reported (the replaced one never was), NORMAL's is not.
            deleted = d.Ctl("del-flows");
            Assert.True(deleted.ExitCode == 0, deleted.ToString());
            line = monitor.WaitForLine(l => l.Contains("cookie:0x62", StringComparison.Ordinal), () => { }, TimeSpan.FromSeconds(30));
            Assert.Contains("reason=delete", line, StringComparison.Ordinal);
            // The replacing flow kept the replaced one's counters (no reset_counts): the replies it forwarded.
            counts = CountsRegex().Match(line);
            Assert.True(counts.Success && long.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture) >= 5, line);
            Assert.Empty(of.DumpFlows());
            string all = monitor.Output;
            output.WriteLine(all);
            Assert.DoesNotContain("cookie:0x52", all, StringComparison.Ordinal);
            Assert.DoesNotContain("cookie:0x53", all, StringComparison.Ordinal);
            Assert.Equal(2, all.Split('\n').Count(l => l.Contains("OFPT_FLOW_REMOVED", StringComparison.Ordinal)));

            // The other reasons: vswitchctl del-groups takes the flow that applies the group (group_delete), and a
            // hard timeout expires a flow on its own (hard).
            of.Ok("add-group", "group_id=9,type=all,bucket=output:2");
            of.Ok("add-flow", "table=0,priority=7,cookie=0x71,send_flow_rem,in_port=1,actions=group:9");
            CtlResult groups = d.Ctl("del-groups", "group_id=9");
            Assert.True(groups.ExitCode == 0, groups.ToString());
            line = monitor.WaitForLine(l => l.Contains("cookie:0x71", StringComparison.Ordinal), () => { }, TimeSpan.FromSeconds(30));
            Assert.Contains("reason=group_delete", line, StringComparison.Ordinal);
            of.Ok("add-flow", "table=0,priority=8,cookie=0x72,send_flow_rem,hard_timeout=1,in_port=2,actions=drop");
            line = monitor.WaitForLine(l => l.Contains("cookie:0x72", StringComparison.Ordinal), () => { }, TimeSpan.FromSeconds(30));
            Assert.Contains("reason=hard", line, StringComparison.Ordinal);
            output.WriteLine(monitor.Output);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [GeneratedRegex(@"pkts(\d+) bytes(\d+)")]
    private static partial Regex CountsRegex();
}
