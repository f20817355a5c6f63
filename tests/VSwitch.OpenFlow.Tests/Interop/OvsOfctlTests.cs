using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Tests.Fakes;
using VSwitch.OpenFlow.Wire;
using Xunit;

namespace VSwitch.OpenFlow.Tests.Interop;

/// <summary>
/// The real ovs-ofctl (OpenFlow 1.3, nothing of OVS running) against the management socket with the fake switch
/// behind it: what ovs-ofctl sends arrives decoded, and what the switch answers is what ovs-ofctl prints.
/// </summary>
public sealed class OvsOfctlTests
{
    [Fact]
    public async Task Show_prints_the_features_ports_and_config_the_switch_returns()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        string output = OvsOfctl.Ok(bridge.SocketPath, "show");
        Assert.Contains("OFPT_FEATURES_REPLY (OF1.3)", output);
        Assert.Contains("dpid:0000020000000001", output);
        Assert.Contains("n_tables:4, n_buffers:0", output);
        Assert.Contains("capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS", output);
        Assert.Contains(" 1(vm1): addr:02:00:00:00:00:01", output);
        Assert.Contains(" 2(vm2): addr:02:00:00:00:00:02", output);
        Assert.Contains("LINK_DOWN", output);
        Assert.Contains("frags=normal miss_send_len=128", output);
    }

    [Fact]
    public async Task Add_flow_arrives_decoded_and_dump_flows_prints_it_back_field_by_field()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        string[] flows =
        [
            "cookie=0x1234,table=0,priority=100,in_port=1,dl_vlan=5,dl_src=00:11:22:33:44:55 actions=output:2",
            "table=1,priority=10,tcp,nw_src=10.0.0.0/8,tp_dst=80 actions=set_field:00:00:00:00:00:01->eth_dst,goto_table:2",
            "priority=5,arp,arp_tpa=10.1.1.1 actions=CONTROLLER:128,NORMAL",
            "priority=6,icmp6,icmp_type=135,nd_target=fe80::1 actions=push_vlan:0x8100,set_field:4101->vlan_vid,output:1",
            "priority=7,udp,dl_vlan=7,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,tp_src=53 actions=pop_vlan,dec_ttl,group:1",
            "table=2,priority=8,ip,nw_dst=192.168.1.1 actions=write_actions(output:1),goto_table:3",
        ];
        foreach (string flow in flows)
        {
            OvsOfctl.Ok(bridge.SocketPath, "add-flow", flow);
        }

        FlowMod first = bridge.Switch.ReceivedOf<FlowMod>()[0];
        Assert.Equal(FlowModCommand.Add, first.Command);
        Assert.Equal(0x1234UL, first.Cookie);
        Assert.Equal(100, first.Priority);
        Assert.Equal(OfpBufferId.NoBuffer, first.BufferId);
        Assert.Equal(OxmEntry.Exact(OxmField.InPort, 1), first.Match.Entries[0]);
        Assert.True(first.Match.TryGet(OxmField.VlanVid, out OxmEntry vlan));
        Assert.Equal((UInt128)(0x1000 | 5), vlan.Value);
        Assert.True(first.Match.TryGet(OxmField.EthSrc, out OxmEntry src));
        Assert.Equal((UInt128)0x0011_2233_4455, src.Value);
        Assert.Equal(OfpInstruction.ApplyActions(OfpAction.Output(2)), Assert.Single(first.Instructions));

        FlowMod second = bridge.Switch.ReceivedOf<FlowMod>()[1];
        Assert.True(second.Match.TryGet(OxmField.Ipv4Src, out OxmEntry nw));
        Assert.Equal(OxmEntry.Masked(OxmField.Ipv4Src, 0x0a00_0000, 0xff00_0000), nw);
        Assert.Equal(OfpInstruction.GotoTable(2), second.Instructions[1]);

        string dump = OvsOfctl.Ok(bridge.SocketPath, "dump-flows");
        string[] lines = dump.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToArray();
        Assert.Equal(flows.Length, lines.Length);
        for (int i = 0; i < flows.Length; i++)
        {
            AssertSameFlow(flows[i], lines[i]);
        }
    }

    // Compares the match fields and the actions of what was added with what dump-flows printed, ignoring the
    // counters and defaults ovs-ofctl adds (duration, n_packets, table=0, cookie=0x0).
    private static void AssertSameFlow(string added, string dumped)
    {
        (HashSet<string> addedFields, string addedActions) = Parse(added);
        addedFields.Remove("table=0");
        (HashSet<string> dumpedFields, string dumpedActions) = Parse(dumped);
        dumpedFields.RemoveWhere(f => f.StartsWith("duration=", StringComparison.Ordinal) || f.StartsWith("n_packets=", StringComparison.Ordinal)
            || f.StartsWith("n_bytes=", StringComparison.Ordinal) || f is "cookie=0x0" or "table=0");
        Assert.Equal(addedFields.Order(), dumpedFields.Order());
        Assert.Equal(addedActions, dumpedActions);
    }

    private static (HashSet<string> Fields, string Actions) Parse(string flow)
    {
        int a = flow.IndexOf(" actions=", StringComparison.Ordinal);
        var fields = flow[..a].Split(',', ' ').Select(f => f.Trim()).Where(f => f.Length != 0).ToHashSet();
        return (fields, flow[(a + 9)..].Trim());
    }

    [Fact]
    public async Task Del_flows_and_mod_flows_change_exactly_the_selected_flows()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        OvsOfctl.Ok(bridge.SocketPath, "add-flow", "priority=1,in_port=1,actions=output:2");
        OvsOfctl.Ok(bridge.SocketPath, "add-flow", "priority=1,in_port=2,actions=output:1");
        OvsOfctl.Ok(bridge.SocketPath, "mod-flows", "in_port=2,actions=drop");
        OvsOfctl.Ok(bridge.SocketPath, "del-flows", "in_port=1");

        FlowStats remaining = Assert.Single(bridge.Switch.Flows);
        Assert.Equal(OxmEntry.Exact(OxmField.InPort, 2), Assert.Single(remaining.Match.Entries));
        Assert.Empty(remaining.Instructions);
        FlowMod delete = bridge.Switch.ReceivedOf<FlowMod>()[3];
        Assert.Equal(FlowModCommand.Delete, delete.Command);
        Assert.Equal(OfpTableId.All, delete.TableId);
        Assert.Equal(OfpPortNo.Any, delete.OutPort);
        Assert.Contains("in_port=2 actions=drop", OvsOfctl.Ok(bridge.SocketPath, "dump-flows"));
    }

    [Fact]
    public async Task A_refused_flow_mod_makes_ovs_ofctl_print_the_error_the_switch_returned()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        (int code, string output, string err) = OvsOfctl.Run(bridge.SocketPath, "add-flow", "table=9,actions=drop");
        Assert.NotEqual(0, code);
        Assert.Contains("OFPFMFC_BAD_TABLE_ID", output + err);
    }

    [Fact]
    public async Task Dump_ports_dump_ports_desc_and_dump_tables_print_the_switch_counters()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        string ports = OvsOfctl.Ok(bridge.SocketPath, "dump-ports");
        Assert.Contains("2 ports", ports);
        Assert.Contains("port  1: rx pkts=10, bytes=1000, drop=1, errs=0, frame=?, over=?, crc=?", ports);
        Assert.Contains("tx pkts=40, bytes=4000, drop=2, errs=0, coll=?", ports);
        Assert.Contains("duration=42.0000005s", ports);
        Assert.Contains("port  2: rx pkts=20", OvsOfctl.Ok(bridge.SocketPath, "dump-ports", "2"));

        string desc = OvsOfctl.Ok(bridge.SocketPath, "dump-ports-desc");
        Assert.Contains(" 1(vm1): addr:02:00:00:00:00:01", desc);
        Assert.Contains("speed: 10000 Mbps now, 10000 Mbps max", desc);

        string tables = OvsOfctl.Ok(bridge.SocketPath, "dump-tables");
        Assert.Contains("table 0:", tables);
        Assert.Contains("active=0, lookup=100, matched=40", tables);

        string features = OvsOfctl.Ok(bridge.SocketPath, "dump-table-features");
        Assert.Contains("table 0 (\"table0\")", features);
        Assert.Contains("next tables: 1-3", features);
        Assert.Contains("instructions: apply_actions clear_actions write_actions write_metadata goto_table", features);
    }

    [Fact]
    public async Task Add_group_arrives_decoded_and_dump_groups_prints_it_back()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        OvsOfctl.Ok(bridge.SocketPath, "add-group", "group_id=1,type=all,bucket=output:1,bucket=output:2");
        OvsOfctl.Ok(bridge.SocketPath, "add-group", "group_id=2,type=indirect,bucket=actions=dec_ttl,output:1");

        GroupMod all = bridge.Switch.ReceivedOf<GroupMod>()[0];
        Assert.Equal(GroupType.All, all.GroupType);
        Assert.Equal(2, all.Buckets.Count);
        Assert.Equal(OfpAction.Output(2), Assert.Single(all.Buckets[1].Actions));

        string groups = OvsOfctl.Ok(bridge.SocketPath, "dump-groups");
        Assert.Contains("group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2", groups);
        Assert.Contains("group_id=2,type=indirect,bucket=actions=dec_ttl,output:1", groups);
        Assert.Contains("group_id=2,duration=3s,ref_count=0,packet_count=7,byte_count=700,bucket0:packet_count=7",
            OvsOfctl.Ok(bridge.SocketPath, "dump-group-stats"));

        OvsOfctl.Ok(bridge.SocketPath, "del-groups");
        Assert.DoesNotContain("group_id", OvsOfctl.Ok(bridge.SocketPath, "dump-groups"));
    }

    [Fact]
    public async Task Packet_out_hands_the_frame_in_port_and_actions_to_the_switch()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        const string frame = "ffffffffffff00000000000108004500001400000000400000000000000000000000000000";
        OvsOfctl.Ok(bridge.SocketPath, "packet-out", $"in_port=1,packet={frame},actions=output:2");
        OvsOfctl.Ok(bridge.SocketPath, "packet-out", $"in_port=controller,packet={frame},actions=table");

        Assert.Equal(2, bridge.Switch.PacketOutData.Count);
        Assert.Equal(Convert.FromHexString(frame), bridge.Switch.PacketOutData[0].Data);
        Assert.Equal(1u, bridge.Switch.PacketOutData[0].InPort);
        Assert.Equal(OfpAction.Output(2), Assert.Single(bridge.Switch.PacketOuts[0].Actions));
        Assert.Equal(OfpPortNo.Controller, bridge.Switch.PacketOutData[1].InPort);
        Assert.Equal(OfpAction.Output(OfpPortNo.Table), Assert.Single(bridge.Switch.PacketOuts[1].Actions));
    }

    [Fact]
    public async Task Aggregate_and_queue_stats_are_answered()
    {
        OvsOfctl.Require();
        await using var bridge = new TestBridge();
        OvsOfctl.Ok(bridge.SocketPath, "add-flow", "priority=1,actions=drop");
        Assert.Contains("flow_count=1", OvsOfctl.Ok(bridge.SocketPath, "dump-aggregate"));
        Assert.Contains("0 queues", OvsOfctl.Ok(bridge.SocketPath, "queue-stats"));
    }
}
