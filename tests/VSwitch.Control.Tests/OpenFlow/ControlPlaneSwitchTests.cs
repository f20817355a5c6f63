using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Keys;
using VSwitch.OpenFlow;
using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Adapter;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.OpenFlow;

/// <summary>
/// The OpenFlow adapter over a real control plane (fake runtime, real DB): FLOW_MOD and GROUP_MOD semantics, the
/// refusals, one set of tables seen through the RPC handlers and through OpenFlow, and what reaches the DB.
/// </summary>
public sealed class ControlPlaneSwitchTests : IDisposable
{
    private readonly ControlFixture _f = new();
    private readonly FlowHandlers _rpc;
    private readonly ControlPlaneSwitch _sw;
    private readonly FakeEvents _events = new();

    public ControlPlaneSwitchTests()
    {
        var ports = new PortHandlers(_f.Control);
        ports.AddPort(new AddPortParams("vm1", "vhostuser", null));
        ports.AddPort(new AddPortParams("vm2", "vhostuser", null));
        _rpc = new FlowHandlers(_f.Control);
        _sw = new ControlPlaneSwitch(_f.Control, _f.Dispatcher, NullLogger.Instance) { Events = _events };
        // As the daemon wires them: removals through the control plane's door reach the controllers too.
        _f.Control.FlowsRemoved += _sw.Removed;
    }

    public void Dispose() => _f.Dispose();

    private static readonly OfpMatch IpFrom10 = OfpMatch.Create(OxmEntry.Exact(OxmField.InPort, 1), OxmEntry.Exact(OxmField.EthType, 0x0800),
        OxmEntry.Masked(OxmField.Ipv4Src, 0x0a00_0000, 0xff00_0000));

    private static FlowMod Mod(FlowModCommand command, OfpMatch match, ushort priority = 100, byte table = 0, ulong cookie = 0,
        ulong cookieMask = 0, FlowModFlags flags = FlowModFlags.None, uint outPort = OfpPortNo.Any, params OfpInstruction[] instructions) =>
        new(1, cookie, cookieMask, table, command, 0, 0, priority, OfpBufferId.NoBuffer, outPort, OfpGroupId.Any, flags, match, instructions);

    private static FlowStatsRequest AllFlows(byte table = OfpTableId.All) => new(table, OfpPortNo.Any, OfpGroupId.Any, 0, 0, OfpMatch.Any);

    [Fact]
    public async Task A_flow_added_by_OpenFlow_is_the_same_entry_RPC_shows_and_the_DB_stores()
    {
        OfpInstruction[] instructions =
        [
            OfpInstruction.ApplyActions(OfpAction.DecNwTtl(), OfpAction.SetField(OxmEntry.Exact(OxmField.EthDst, 0x0011_2233_4455)), OfpAction.Output(2)),
            OfpInstruction.WriteMetadata(0x5, 0xff),
            OfpInstruction.GotoTable(3),
        ];
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, cookie: 0xabc, flags: FlowModFlags.SendFlowRem, instructions: instructions)));
        await _sw.BarrierAsync();

        Assert.Contains("cookie=0xabc,send_flow_rem,priority=100,ip,in_port=1,nw_src=10.0.0.0/8,actions=dec_ttl,set_field:00:11:22:33:44:55->eth_dst,output:2,write_metadata:0x5/0xff,goto_table:3",
            _f.StoredConfig().Flows);
        Assert.Same(_f.Control.Flows, _f.Runtime.PublishedFlows);
        FlowInfo rpc = Assert.Single(_rpc.DumpFlows(new FlowParams("ip", false)).Flows);
        Assert.Equal("output:vm2", rpc.Actions.Split(',')[2]);

        FlowStats of = Assert.Single(_sw.GetFlowStats(new FlowStatsRequest(0, OfpPortNo.Any, OfpGroupId.Any, 0xabc, ulong.MaxValue, OfpMatch.Any)).Value!);
        Assert.Equal(IpFrom10, of.Match);
        Assert.Equal(instructions, of.Instructions);
        Assert.Equal(FlowModFlags.SendFlowRem, of.Flags);
        Assert.Equal(0xabcUL, of.Cookie);
        Assert.Equal((ushort)100, of.Priority);
    }

    [Fact]
    public async Task Tunnel_id_is_an_OXM_match_and_set_field_both_ways()
    {
        var match = OfpMatch.Create(OxmEntry.Exact(OxmField.InPort, 1), OxmEntry.Masked(OxmField.TunnelId, 0x105, 0xfff));
        OfpInstruction[] instructions =
            [OfpInstruction.ApplyActions(OfpAction.SetField(OxmEntry.Exact(OxmField.TunnelId, 7)), OfpAction.Output(2))];
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, match, cookie: 0x71, instructions: instructions)));
        await _sw.BarrierAsync();
        Assert.Contains("cookie=0x71,priority=100,tun_id=0x105/0xfff,in_port=1,actions=set_field:0x7->tun_id,output:2", _f.StoredConfig().Flows);
        FlowStats of = Assert.Single(_sw.GetFlowStats(new FlowStatsRequest(0, OfpPortNo.Any, OfpGroupId.Any, 0x71, ulong.MaxValue, OfpMatch.Any)).Value!);
        Assert.Equal(match, of.Match);
        Assert.Equal(instructions, of.Instructions);
    }

    [Fact]
    public async Task Tun_src_and_tun_dst_are_NXM_1_matches_and_set_fields_both_ways()
    {
        // Through OpenFlow, the way ovs-ofctl -O OpenFlow13 sends them.
        var match = OfpMatch.Create(OxmEntry.Exact(OxmField.TunIpv4Src, 0x0a00_0002),
            OxmEntry.Masked(OxmField.TunIpv4Dst, 0x0a00_0000, 0xffff_ff00));
        OfpInstruction[] instructions =
            [OfpInstruction.ApplyActions(OfpAction.SetField(OxmEntry.Exact(OxmField.TunIpv4Dst, 0x0a00_0009)), OfpAction.Output(2))];
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, match, cookie: 0x73, instructions: instructions)));
        await _sw.BarrierAsync();
        Assert.Contains("cookie=0x73,priority=100,tun_src=10.0.0.2,tun_dst=10.0.0.0/24,actions=set_field:10.0.0.9->tun_dst,output:2",
            _f.StoredConfig().Flows);
        FlowStats of = Assert.Single(_sw.GetFlowStats(new FlowStatsRequest(0, OfpPortNo.Any, OfpGroupId.Any, 0x73, ulong.MaxValue, OfpMatch.Any)).Value!);
        Assert.Equal(match, of.Match);
        Assert.Equal(instructions, of.Instructions);

        // Through the text door, shown through OpenFlow whole; set_tunnel is the set_field of TUNNEL_ID.
        _rpc.AddFlow(new FlowParams("cookie=0x72,tun_dst=10.0.0.1,tun_id=5,actions=set_field:10.0.0.9->tun_src,set_tunnel:6,output:2", false));
        of = Assert.Single(_sw.GetFlowStats(new FlowStatsRequest(0, OfpPortNo.Any, OfpGroupId.Any, 0x72, ulong.MaxValue, OfpMatch.Any)).Value!);
        Assert.Equal(OfpMatch.Create(OxmEntry.Exact(OxmField.TunnelId, 5), OxmEntry.Exact(OxmField.TunIpv4Dst, 0x0a00_0001)), of.Match);
        Assert.Equal([OfpInstruction.ApplyActions(OfpAction.SetField(OxmEntry.Exact(OxmField.TunIpv4Src, 0x0a00_0009)),
            OfpAction.SetField(OxmEntry.Exact(OxmField.TunnelId, 6)), OfpAction.Output(2))], of.Instructions);

        // Tables say they take them.
        TableFeatures t0 = _sw.GetTableFeatures()[0];
        Assert.Contains(new OxmFieldSupport(OxmField.TunIpv4Src, true), t0.Match);
        Assert.Contains(OxmField.TunIpv4Dst, t0.ApplySetfield);
    }

    [Fact]
    public async Task A_flow_added_by_RPC_shows_in_OpenFlow_with_its_match_and_counters()
    {
        _rpc.AddFlow(new FlowParams("table=2,priority=5,cookie=0x7,tcp6,ipv6_dst=2001:db8::/32,tp_dst=80,dl_vlan=12,actions=pop_vlan,controller:64,flood", false));
        var rule = _f.Control.Flows.Rules.Single(r => r.TableId == 2);
        rule.RecordHit(3, 300, _f.Clock.NowMilliseconds);

        FlowStats of = Assert.Single(_sw.GetFlowStats(AllFlows(2)).Value!);
        Assert.Equal(OfpMatch.Create(OxmEntry.Exact(OxmField.EthType, 0x86dd), OxmEntry.Exact(OxmField.VlanVid, 0x1000 | 12),
            OxmEntry.Exact(OxmField.IpProto, 6), OxmEntry.Exact(OxmField.TcpDst, 80),
            OxmEntry.Masked(OxmField.Ipv6Dst, (UInt128)0x2001_0db8 << 96, UInt128.MaxValue << 96)), of.Match);
        Assert.Equal([OfpInstruction.ApplyActions(OfpAction.PopVlan(), OfpAction.Output(OfpPortNo.Controller, 64), OfpAction.Output(OfpPortNo.Flood))],
            of.Instructions);
        Assert.Equal(3UL, of.PacketCount);
        Assert.Equal(300UL, of.ByteCount);
        AggregateStats sum = _sw.GetAggregateStats(AllFlows()).Value!;
        Assert.Equal((3UL, 300UL, 2u), (sum.PacketCount, sum.ByteCount, sum.FlowCount));
    }

    [Fact]
    public async Task Modify_and_delete_select_by_match_priority_cookie_and_out_port()
    {
        OfpMatch vlan5 = OfpMatch.Create(OxmEntry.Exact(OxmField.VlanVid, 0x1005));
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, vlan5, priority: 10, cookie: 0x100, instructions: OfpInstruction.ApplyActions(OfpAction.Output(1)))));
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, priority: 20, cookie: 0x200, flags: FlowModFlags.SendFlowRem,
            instructions: OfpInstruction.ApplyActions(OfpAction.Output(2)))));

        // Strict modify needs the priority too; loose modify by cookie changes only the flows it selects, and adds nothing.
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.ModifyStrict, vlan5, priority: 11, instructions: OfpInstruction.ApplyActions(OfpAction.Output(2)))));
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Modify, OfpMatch.Any, cookie: 0x100, cookieMask: 0xf00,
            instructions: OfpInstruction.ApplyActions(OfpAction.PopVlan(), OfpAction.Output(OfpPortNo.Normal)))));
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Modify, OfpMatch.Create(OxmEntry.Exact(OxmField.VlanVid, 0x1009)),
            instructions: OfpInstruction.ApplyActions(OfpAction.Output(1)))));
        await _sw.BarrierAsync();
        string[] stored = [.. _f.StoredConfig().Flows];
        Assert.Contains("cookie=0x100,priority=10,dl_vlan=5,actions=strip_vlan,normal", stored);
        Assert.Contains("cookie=0x200,send_flow_rem,priority=20,ip,in_port=1,nw_src=10.0.0.0/8,actions=output:2", stored);
        Assert.Equal(3, stored.Length);

        // Delete with an out_port filter: only the flow that outputs to 2 goes, and the controllers hear of it.
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Delete, OfpMatch.Any, outPort: 2)));
        FlowRemoved removed = Assert.Single(_events.Removed);
        Assert.Equal((0x200UL, (ushort)20, FlowRemovedReason.Delete), (removed.Cookie, removed.Priority, removed.Reason));
        Assert.Equal(IpFrom10, removed.Match);
        // Delete-strict with the wrong priority removes nothing; with the right one it removes the flow.
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.DeleteStrict, vlan5, priority: 11)));
        Assert.Equal(2, _f.Control.Flows.Count);
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.DeleteStrict, vlan5, priority: 10)));
        await _sw.BarrierAsync();
        Assert.Equal(["priority=0,actions=normal"], _f.StoredConfig().Flows);
    }

    [Fact]
    public async Task Add_replaces_an_identical_flow_keeping_counts_unless_reset_and_check_overlap_refuses()
    {
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, instructions: OfpInstruction.ApplyActions(OfpAction.Output(1)))));
        _f.Control.Flows.Rules.Single(r => r.Priority == 100).RecordHit(2, 200, _f.Clock.NowMilliseconds);
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, instructions: OfpInstruction.ApplyActions(OfpAction.Output(2)))));
        Assert.Equal(2, _f.Control.Flows.Rules.Single(r => r.Priority == 100).PacketCount);
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, flags: FlowModFlags.ResetCounts, instructions: OfpInstruction.ApplyActions(OfpAction.Output(2)))));
        Assert.Equal(0, _f.Control.Flows.Rules.Single(r => r.Priority == 100).PacketCount);

        OfpMatch ip = OfpMatch.Create(OxmEntry.Exact(OxmField.EthType, 0x0800));
        Assert.Equal(OfpError.Of(FlowModFailedCode.Overlap),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, ip, flags: FlowModFlags.CheckOverlap, instructions: OfpInstruction.ApplyActions(OfpAction.Output(1)))));
    }

    [Fact]
    public async Task What_the_switch_cannot_do_is_refused_with_the_right_error_and_changes_nothing()
    {
        int before = _f.Control.Flows.Count;
        OfpMatch ip = OfpMatch.Create(OxmEntry.Exact(OxmField.EthType, 0x0800));
        Assert.Equal(OfpError.Of(BadActionCode.BadOutGroup),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Any, instructions: OfpInstruction.ApplyActions(OfpAction.Group(9)))));
        Assert.Equal(OfpError.Of(BadInstructionCode.UnsupInst),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Any, instructions: OfpInstruction.Meter(1))));
        Assert.Equal(OfpError.Of(BadActionCode.MatchInconsistent),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Any, instructions: OfpInstruction.ApplyActions(OfpAction.SetField(OxmEntry.Exact(OxmField.Ipv4Src, 1))))));
        Assert.Equal(OfpError.Of(BadActionCode.BadSetType),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, ip, instructions: OfpInstruction.ApplyActions(OfpAction.SetField(OxmEntry.Exact(OxmField.IpProto, 17))))));
        Assert.Equal(OfpError.Of(BadActionCode.BadOutPort),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Any, instructions: OfpInstruction.ApplyActions(OfpAction.Output(OfpPortNo.Table)))));
        Assert.Equal(OfpError.Of(BadActionCode.BadType),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Any, instructions: OfpInstruction.ApplyActions(OfpAction.SetQueue(1)))));
        Assert.Equal(OfpError.Of(BadActionCode.UnsupportedOrder),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Any, instructions: OfpInstruction.WriteActions(OfpAction.Output(1), OfpAction.Output(2)))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadField),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Create(OxmEntry.Exact(OxmField.EthType, 0x86dd), OxmEntry.Exact(OxmField.Ipv6Exthdr, 1)))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadValue),
            await _sw.FlowModAsync(Mod(FlowModCommand.Add, OfpMatch.Create(OxmEntry.Exact(OxmField.InPort, 0x10000)))));
        Assert.Equal(before, _f.Control.Flows.Count);

        Assert.Equal(OfpError.Of(GroupModFailedCode.BadType), await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Add, GroupType.Select, 1, [])));
        Assert.Equal(OfpError.Of(GroupModFailedCode.InvalidGroup), await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Add, GroupType.Indirect, 1,
            [Bucket(OfpAction.Output(1)), Bucket(OfpAction.Output(2))])));
        Assert.Equal(OfpError.Of(GroupModFailedCode.UnknownGroup), await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Modify, GroupType.All, 1, [])));
        Assert.Equal(OfpError.Of(GroupModFailedCode.WeightUnsupported), await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Add, GroupType.All, 1,
            [new OfpBucket(5, OfpPortNo.Any, OfpGroupId.Any, [OfpAction.Output(1)])])));
        Assert.Empty(_f.Control.Flows.Groups);
        Assert.Equal(OfpError.Of(SwitchConfigFailedCode.BadFlags), await _sw.SetConfigAsync(new SetConfig(1, new SwitchConfig(ConfigFlags.FragDrop, 128))));
        Assert.Equal(OfpError.Of(BadRequestCode.BadPort), _sw.GetPortStats(99).Error);
        Assert.Equal(OfpError.Of(QueueOpFailedCode.BadPort), _sw.GetQueueStats(99, 0xffffffff).Error);
    }

    private static OfpBucket Bucket(params OfpAction[] actions) => new(0, OfpPortNo.Any, OfpGroupId.Any, actions);

    [Fact]
    public async Task Groups_are_added_modified_shown_and_deleted_with_the_flows_that_use_them()
    {
        Assert.Null(await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Add, GroupType.All, 7, [Bucket(OfpAction.Output(1)), Bucket(OfpAction.PushVlan(), OfpAction.SetField(OxmEntry.Exact(OxmField.VlanVid, 0x1010)), OfpAction.Output(2))])));
        Assert.Equal(OfpError.Of(GroupModFailedCode.GroupExists), await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Add, GroupType.All, 7, [])));
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, flags: FlowModFlags.SendFlowRem, instructions: OfpInstruction.ApplyActions(OfpAction.Group(7)))));
        GroupDesc desc = Assert.Single(_sw.GetGroupDescriptions());
        Assert.Equal(GroupType.All, desc.GroupType);
        Assert.Equal([OfpAction.PushVlan(), OfpAction.SetField(OxmEntry.Exact(OxmField.VlanVid, 0x1010)), OfpAction.Output(2)], desc.Buckets[1].Actions);
        GroupStats stats = Assert.Single(_sw.GetGroupStats(OfpGroupId.All));
        Assert.Equal((7u, 1u, 2), (stats.GroupId, stats.RefCount, stats.Buckets.Count));

        Assert.Null(await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Modify, GroupType.Indirect, 7, [Bucket(OfpAction.Output(2))])));
        await _sw.BarrierAsync();
        Assert.Equal(["group_id=7,type=indirect,bucket=actions=output:2"], _f.StoredConfig().Groups);

        Assert.Null(await _sw.GroupModAsync(new GroupMod(1, GroupModCommand.Delete, GroupType.All, OfpGroupId.All, [])));
        Assert.Equal(FlowRemovedReason.GroupDelete, Assert.Single(_events.Removed).Reason);
        await _sw.BarrierAsync();
        Assert.Empty(_f.StoredConfig().Groups);
        Assert.Equal(["priority=0,actions=normal"], _f.StoredConfig().Flows);
    }

    [Fact]
    public async Task Flows_vswitchctl_deletes_are_reported_as_FLOW_REMOVED_with_reason_delete_and_their_final_counters()
    {
        FlowMod tracked = Mod(FlowModCommand.Add, IpFrom10, priority: 20, table: 1, cookie: 0x200, flags: FlowModFlags.SendFlowRem,
            instructions: OfpInstruction.ApplyActions(OfpAction.Output(2))) with { IdleTimeout = 60, HardTimeout = 600 };
        Assert.Null(await _sw.FlowModAsync(tracked));
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, priority: 30, table: 1, cookie: 0x300,
            instructions: OfpInstruction.ApplyActions(OfpAction.Output(2)))));
        await _sw.BarrierAsync();
        _f.Clock.Advance(TimeSpan.FromMilliseconds(2500));
        _f.Control.Flows.Rules.Single(r => r.Cookie == 0x200).RecordHit(3, 300, _f.Clock.NowMilliseconds);

        // A filter that selects nothing removes nothing and reports nothing.
        Assert.Equal(0, _rpc.DelFlows(new FlowParams("table=2", false)).Count);
        Assert.Empty(_events.Removed);

        // Filtered: both flows of table 1 go; only the one with send_flow_rem is reported, once, after it is stored.
        Assert.Equal(2, _rpc.DelFlows(new FlowParams("table=1,ip,in_port=vm1", false)).Count);
        FlowRemoved removed = Assert.Single(_events.Removed);
        Assert.Equal((0x200UL, (ushort)20, (byte)1, FlowRemovedReason.Delete), (removed.Cookie, removed.Priority, removed.TableId, removed.Reason));
        Assert.Equal((3UL, 300UL), (removed.PacketCount, removed.ByteCount));
        Assert.Equal(((ushort)60, (ushort)600), (removed.IdleTimeout, removed.HardTimeout));
        Assert.Equal((2u, 500_000_000u), (removed.DurationSec, removed.DurationNsec));
        Assert.Equal(IpFrom10, removed.Match);
        Assert.Equal(["priority=0,actions=normal"], _f.StoredConfig().Flows);

        // Strict needs the priority; without a match every flow of every table goes.
        _events.Removed.Clear();
        Assert.Null(await _sw.FlowModAsync(tracked));
        Assert.Null(await _sw.FlowModAsync(tracked with { TableId = 0, Cookie = 0x400 }));
        await _sw.BarrierAsync();
        Assert.Equal(0, _rpc.DelFlows(new FlowParams("table=1,priority=21,ip,in_port=1,nw_src=10.0.0.0/8", true)).Count);
        Assert.Equal(1, _rpc.DelFlows(new FlowParams("table=1,priority=20,ip,in_port=1,nw_src=10.0.0.0/8", true)).Count);
        Assert.Equal(0x200UL, Assert.Single(_events.Removed).Cookie);
        Assert.Equal(2, _rpc.DelFlows(new FlowParams(null, false)).Count);
        Assert.Equal([0x200UL, 0x400UL], _events.Removed.Select(r => r.Cookie));
        Assert.All(_events.Removed, r => Assert.Equal(FlowRemovedReason.Delete, r.Reason));
        Assert.Empty(_f.Control.Flows.Rules);
    }

    [Fact]
    public async Task An_add_that_replaces_a_flow_reports_no_removal_and_vswitchctl_del_groups_reports_group_delete()
    {
        // OpenFlow 1.3.5 §6.4: an ADD of the same table, match and priority updates the entry; OVS sends no FLOW_REMOVED.
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, cookie: 0x1, flags: FlowModFlags.SendFlowRem,
            instructions: OfpInstruction.ApplyActions(OfpAction.Output(2)))));
        // The OpenFlow door writes the DB after the reply; the barrier lets that write finish before the RPC door writes,
        // as the daemon's control gate orders them.
        await _sw.BarrierAsync();
        _f.Control.Flows.Rules.Single(r => r.Cookie == 0x1).RecordHit(4, 400, _f.Clock.NowMilliseconds);
        new FlowHandlers(_f.Control).AddFlow(new FlowParams("priority=100,cookie=0x2,send_flow_rem,ip,in_port=vm1,nw_src=10.0.0.0/8,actions=output:vm1", false));
        Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, cookie: 0x3, flags: FlowModFlags.SendFlowRem,
            instructions: OfpInstruction.ApplyActions(OfpAction.Output(1)))));
        await _sw.BarrierAsync();
        Assert.Empty(_events.Removed);
        Assert.Equal(4, _f.Control.Flows.Rules.Single(r => r.Cookie == 0x3).PacketCount);

        // del-groups through the RPC door: the flows that apply the group go, reported with reason GROUP_DELETE.
        var groups = new GroupHandlers(_f.Control);
        groups.AddGroup(new GroupParams("group_id=7,type=all,bucket=output:vm1"));
        new FlowHandlers(_f.Control).AddFlow(new FlowParams("priority=5,cookie=0x7,send_flow_rem,actions=group:7", false));
        new FlowHandlers(_f.Control).AddFlow(new FlowParams("priority=6,cookie=0x8,tcp,actions=group:7", false));
        Assert.Equal(2, groups.DelGroups(new GroupParams("group_id=7")).FlowsRemoved);
        FlowRemoved removed = Assert.Single(_events.Removed);
        Assert.Equal((0x7UL, (ushort)5, FlowRemovedReason.GroupDelete), (removed.Cookie, removed.Priority, removed.Reason));
        Assert.DoesNotContain(_f.StoredConfig().Flows, f => f.Contains("group:7", StringComparison.Ordinal));
    }

    [Fact]
    public void Expired_flows_are_reported_with_their_timeout_reason()
    {
        var rpc = new FlowHandlers(_f.Control);
        rpc.AddFlow(new FlowParams("priority=10,cookie=0x10,send_flow_rem,hard_timeout=5,in_port=vm1,actions=drop", false));
        rpc.AddFlow(new FlowParams("priority=11,cookie=0x11,send_flow_rem,idle_timeout=3,in_port=vm2,actions=drop", false));
        _f.Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, _f.Control.ExpireFlows());
        Assert.Equal((0x11UL, FlowRemovedReason.IdleTimeout), (Assert.Single(_events.Removed).Cookie, _events.Removed[0].Reason));
        _f.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, _f.Control.ExpireFlows());
        Assert.Equal((0x10UL, FlowRemovedReason.HardTimeout), (_events.Removed[1].Cookie, _events.Removed[1].Reason));
    }

    [Fact]
    public async Task Packet_out_runs_its_actions_through_the_runtime_with_the_16_bit_port_numbers()
    {
        byte[] frame = new byte[60];
        frame[12] = 0x08;
        Assert.Null(await _sw.PacketOutAsync(new PacketOut(1, OfpBufferId.NoBuffer, OfpPortNo.Controller,
            [OfpAction.SetField(OxmEntry.Exact(OxmField.EthSrc, 0x0200_0000_0001)), OfpAction.Output(OfpPortNo.Table)], frame)));
        (byte[] sent, ushort inPort, FlowAction[] actions) = Assert.Single(_f.Runtime.PacketOuts);
        Assert.Equal(frame, sent);
        Assert.Equal(OpenFlowPort.Controller, inPort);
        Assert.Equal([FlowAction.SetFieldTo(FlowField.EthSrc, 0x0200_0000_0001), new FlowAction(FlowActionKind.Table, 0)], actions);
        Assert.Equal(OfpError.Of(BadRequestCode.BadPacket),
            await _sw.PacketOutAsync(new PacketOut(2, OfpBufferId.NoBuffer, 1, [OfpAction.Output(2)], new byte[8])));
    }

    [Fact]
    public async Task Changes_are_published_soon_without_a_barrier_and_a_burst_is_published_once()
    {
        int published = _f.Runtime.PublishCount;
        for (ushort p = 1; p <= 50; p++)
        {
            Assert.Null(await _sw.FlowModAsync(Mod(FlowModCommand.Add, IpFrom10, priority: p, instructions: OfpInstruction.ApplyActions(OfpAction.Output(1)))));
        }
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (_f.Runtime.PublishCount == published && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        await _sw.BarrierAsync();
        Assert.Equal(51, _f.StoredConfig().Flows.Length);
        Assert.InRange(_f.Runtime.PublishCount - published, 1, 50);
    }

    [Fact]
    public void Features_ports_and_tables_describe_the_control_plane()
    {
        Assert.Equal(255, _sw.Features.TableCount);
        Assert.Equal(["vm1", "vm2"], _sw.GetPorts().Select(p => p.Name));
        Assert.Equal([1u, 2u], _sw.GetPorts().Select(p => p.PortNo));
        Assert.Equal(255, _sw.GetTableStats().Count);
        Assert.Equal(1u, _sw.GetTableStats()[0].ActiveCount);
        TableFeatures t0 = _sw.GetTableFeatures()[0];
        Assert.Equal(254, t0.NextTables.Count);
        Assert.Contains(OxmField.Ipv6NdTarget, t0.Match.Select(m => m.Field));
        Assert.DoesNotContain(OxmField.Metadata, t0.ApplySetfield);
        Assert.Empty(_sw.GetTableFeatures()[254].NextTables);
    }

    [Fact]
    public void Table_statistics_are_the_lookups_and_matches_the_datapath_counted()
    {
        _f.Runtime.TableCounts[0] = (7, 5);
        _f.Runtime.TableCounts[3] = (2, 0);
        IReadOnlyList<TableStats> stats = _sw.GetTableStats();
        Assert.Equal((7ul, 5ul), (stats[0].LookupCount, stats[0].MatchedCount));
        Assert.Equal((2ul, 0ul), (stats[3].LookupCount, stats[3].MatchedCount));
        Assert.Equal((0ul, 0ul), (stats[1].LookupCount, stats[1].MatchedCount));
    }

    [Fact]
    public void Datapath_id_is_derived_from_the_bridge_name_unless_one_is_given()
    {
        ulong derived = _sw.Features.DatapathId;
        Assert.Equal(0x02UL, derived >> 40);
        Assert.Equal(derived, new ControlPlaneSwitch(_f.Control, _f.Dispatcher, NullLogger.Instance).Features.DatapathId);
        Assert.Equal(0x1UL, new ControlPlaneSwitch(_f.Control, _f.Dispatcher, NullLogger.Instance, 0x1).Features.DatapathId);
    }

    private sealed class FakeEvents : IOpenFlowEvents
    {
        public List<FlowRemoved> Removed { get; } = [];

        public bool IsControllerConnected => false;

        public int PublishPacketIn(in PacketInEvent packetIn, ReadOnlySpan<byte> frame) => 0;

        public int PublishFlowRemoved(FlowRemoved message)
        {
            Removed.Add(message);
            return 1;
        }

        public int PublishPortStatus(PortStatusReason reason, OfpPort port) => 0;
    }
}
