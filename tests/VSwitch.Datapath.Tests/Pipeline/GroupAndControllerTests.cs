using VSwitch.Core.Diagnostics;
using VSwitch.Datapath.Controller;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>
/// Groups (ALL, INDIRECT) and the controller door of the datapath: PACKET_IN copies in the thread's ring with their
/// reason, table, cookie and max_len, and PACKET_OUT through <c>PmdContext.InjectPacketOut</c>.
/// </summary>
public sealed class GroupAndControllerTests
{
    private static TestSwitch Switch(int ports)
    {
        var sw = new TestSwitch(ports);
        sw.Flows.Delete(FlowFilter.All);
        sw.Publish();
        return sw;
    }

    private static void AddGroup(TestSwitch sw, string text)
    {
        Assert.True(sw.Flows.AddGroup(GroupParser.ParseGroup(text, sw.Clock)));
        sw.Publish();
    }

    [Fact]
    public void An_all_group_sends_a_copy_per_bucket_with_each_buckets_edits_its_own()
    {
        var sw = Switch(4);
        AddGroup(sw, "group_id=1,type=all,bucket=output:2,bucket=mod_vlan_vid:9,output:3,bucket=output:4");
        sw.AddFlow("priority=1,in_port=1,actions=group:1");
        byte[] frame = Frames.Udp(1, 2);

        sw.Send(1, frame, frame);

        Assert.Equal([frame, frame], sw.Received(2));
        Assert.All(sw.Received(3), f => Assert.Equal(9, Frames.Tci(f)));
        Assert.Equal([frame, frame], sw.Received(4));
        var group = sw.Flows.FindGroup(1)!;
        Assert.Equal(2, group.Counters.Packets);
        Assert.All(group.Buckets, b => Assert.Equal(2, b.Counters.Packets));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void An_indirect_group_runs_its_bucket_and_a_group_change_reaches_the_cached_flow()
    {
        var sw = Switch(3);
        AddGroup(sw, "group_id=7,type=indirect,bucket=output:2");
        sw.AddFlow("priority=1,actions=group:7");
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Single(sw.Received(2));

        Assert.True(sw.Flows.ModifyGroup(7, Flows.Groups.GroupType.Indirect,
            GroupParser.ParseGroup("group_id=7,type=indirect,bucket=output:3", sw.Clock).Buckets));
        sw.Publish();
        sw.Send(1, Frames.Udp(1, 2));

        Assert.Empty(sw.Received(2));
        Assert.Single(sw.Received(3));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Select_and_fast_failover_groups_are_refused_with_a_reason()
    {
        FlowParseException e = Assert.Throws<FlowParseException>(() =>
            GroupParser.ParseGroup("group_id=1,type=select,bucket=output:2", new TestKit.ManualClock()));
        Assert.Contains("all and indirect", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Controller_action_queues_a_packet_in_with_reason_table_cookie_and_max_len()
    {
        var sw = Switch(3);
        sw.AddFlow("table=0,priority=1,actions=goto_table:3");
        sw.AddFlow("table=3,cookie=0xabc,priority=5,udp,actions=controller:20,output:2");
        sw.AddFlow("table=3,priority=0,actions=controller");
        byte[] udp = Frames.Udp(1, 2);
        byte[] arp = TestKit.PacketFactory.Arp();

        sw.Send(1, udp, arp);

        Assert.Equal(udp, Assert.Single(sw.Received(2)));
        PacketInRing ring = sw.Pmd.PacketIns;
        Assert.Equal(2, ring.Count);
        Assert.True(ring.TryPeek(out PacketInRecord first, out ReadOnlySpan<byte> data));
        Assert.Equal(new PacketInRecord(1, 1, 3, 0xabc, 0, udp.Length), first);
        Assert.Equal(udp[..20], data.ToArray());
        ring.Release();
        Assert.True(ring.TryPeek(out PacketInRecord second, out data));
        // OpenFlow 1.3.5 §7.4.1: a table-miss flow's packets go up with reason NO_MATCH (0).
        Assert.Equal(new PacketInRecord(1, 0, 3, 0, 0, arp.Length), second);
        Assert.Equal(arp, data.ToArray());
        ring.Release();
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_full_packet_in_ring_counts_its_drops_and_forwarding_goes_on()
    {
        var sw = Switch(2);
        sw.AddFlow("priority=1,actions=controller,output:2");
        int frames = PacketInRing.DefaultCapacity + 10;
        for (int i = 0; i < frames; i += 32)
        {
            sw.Send(1, [.. Enumerable.Range(i, Math.Min(32, frames - i)).Select(k => Frames.Udp(1, 2, srcPort: (ushort)k))]);
        }

        Assert.Equal(frames, sw.Received(2).Count);
        Assert.Equal(PacketInRing.DefaultCapacity, sw.Pmd.PacketIns.Count);
        Assert.Equal(10, sw.Pmd.Stats.Drops[DropReason.PacketInQueueFull]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Packet_out_runs_its_actions_or_the_tables()
    {
        var sw = Switch(3);
        sw.AddFlow("priority=1,in_port=2,actions=output:3");
        byte[] frame = Frames.Udp(1, 2);

        Assert.Null(sw.Pmd.InjectPacketOut(frame, OpenFlowPort.Controller, [new FlowAction(FlowActionKind.Output, 1)]));
        Assert.Null(sw.Pmd.InjectPacketOut(frame, 2, FlowParser.ParseActions("output:table", allowTable: true).Actions));
        Assert.Equal(DropReason.RxRunt, sw.Pmd.InjectPacketOut(frame.AsSpan(0, 10), 2, [new FlowAction(FlowActionKind.Output, 1)]));

        Assert.Equal(frame, Assert.Single(sw.Received(1)));
        Assert.Equal(frame, Assert.Single(sw.Received(3)));
        Assert.Equal(1, sw.Flows.Rules.Single().PacketCount);
        sw.AssertNoLeaks();
    }
}
