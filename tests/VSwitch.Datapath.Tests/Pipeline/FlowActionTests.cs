using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

public sealed class FlowActionTests
{
    [Fact]
    public void Output_sends_to_the_named_port_only_and_counts_the_rule()
    {
        var sw = new TestSwitch(4);
        sw.AddFlow("priority=10,in_port=1,actions=output:3");
        sw.Send(1, Frames.Udp(1, 2), Frames.Udp(1, 2));
        Assert.Equal([0, 0, 0, 2, 0], sw.ReceivedCounts());
        var rule = sw.Flows.Rules.Single(r => r.Priority == 10);
        Assert.Equal(2, rule.PacketCount);
        Assert.Equal(2 * Frames.Udp(1, 2).Length, rule.ByteCount);
        Assert.Equal(sw.Clock.NowMilliseconds, rule.LastUsedMs);
    }

    [Fact]
    public void Several_outputs_each_get_a_copy()
    {
        var sw = new TestSwitch(4);
        sw.AddFlow("priority=10,actions=output:2,output:3,output:4");
        byte[] frame = Frames.Udp(1, 2);
        sw.Send(1, frame);
        Assert.Equal(frame, Assert.Single(sw.Received(2)));
        Assert.Equal(frame, Assert.Single(sw.Received(3)));
        Assert.Equal(frame, Assert.Single(sw.Received(4)));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Edits_between_outputs_only_affect_later_outputs()
    {
        var sw = new TestSwitch(3);
        sw.AddFlow("priority=10,actions=output:2,mod_vlan_vid:7,mod_dl_dst:02:00:00:00:00:63,output:3");
        byte[] frame = Frames.Udp(1, 2);
        sw.Send(1, frame);
        Assert.Equal(frame, Assert.Single(sw.Received(2)));
        byte[] edited = Assert.Single(sw.Received(3));
        Assert.Equal(7, Frames.Tci(edited));
        Assert.Equal(TestSwitch.MacOf(0x63), EthernetHeader.Destination(edited));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Flood_and_all_skip_ingress_and_flood_skips_no_flood_ports()
    {
        var sw = new TestSwitch(3);
        sw.AddPort(new VSwitch.Ports.Dummy.DummyPort(new Core.Ports.PortId(4), "p4", poolSize: 64), noFlood: true);
        sw.AddFlow("priority=10,in_port=1,actions=flood");
        sw.AddFlow("priority=10,in_port=2,actions=all");
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal([0, 0, 1, 1, 0], sw.ReceivedCounts());
        sw.Send(2, Frames.Udp(2, 1));
        Assert.Equal([0, 1, 0, 1, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void Flood_and_all_with_no_other_port_count_NoFloodTarget()
    {
        var sw = new TestSwitch(1);
        sw.AddFlow("priority=10,udp,tp_src=1,actions=flood");
        sw.AddFlow("priority=10,udp,tp_src=2,actions=all");
        sw.Send(1, Frames.Udp(1, 2, srcPort: 1));
        sw.Send(1, Frames.Udp(1, 2, srcPort: 2));
        Assert.Equal(0, sw.ReceivedCounts().Sum());
        Assert.Equal(2, sw.Pmd.Stats.Drops[DropReason.NoFloodTarget]);
        Assert.Equal(0, sw.Pmd.Stats.Drops[DropReason.SameAsIngress]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void In_port_sends_back_and_output_to_ingress_is_dropped()
    {
        var sw = new TestSwitch(2);
        sw.AddFlow("priority=10,in_port=1,actions=in_port");
        sw.AddFlow("priority=10,in_port=2,actions=output:2");
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal([0, 1, 0], sw.ReceivedCounts());
        sw.Send(2, Frames.Udp(2, 1));
        Assert.Equal([0, 0, 0], sw.ReceivedCounts());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.SameAsIngress]);
    }

    [Fact]
    public void Drop_counts_FlowDrop()
    {
        var sw = new TestSwitch(2);
        sw.AddFlow("priority=10,actions=drop");
        sw.Send(1, Frames.Udp(1, 2), Frames.Udp(1, 2));
        Assert.Equal(0, sw.ReceivedCounts().Sum());
        Assert.Equal(2, sw.Pmd.Stats.Drops[DropReason.FlowDrop]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Strip_vlan_push_vlan_and_mod_vlan_pcp()
    {
        var sw = new TestSwitch(4);
        sw.AddFlow("priority=10,in_port=1,actions=strip_vlan,output:2");
        sw.AddFlow("priority=10,in_port=2,actions=push_vlan:0x88a8,output:3");
        sw.AddFlow("priority=10,in_port=3,actions=mod_vlan_pcp:5,output:4");
        byte[] plain = Frames.Udp(1, 2);
        sw.Send(1, Frames.Tagged(plain, 12));
        Assert.Equal(plain, Assert.Single(sw.Received(2)));
        sw.Send(2, plain);
        byte[] pushed = Assert.Single(sw.Received(3));
        Assert.Equal(new byte[] { 0x88, 0xa8, 0, 0 }, pushed[12..16]);
        sw.Send(3, Frames.Tagged(plain, 44));
        Assert.Equal((5 << 13) | 44, Frames.Tci(Assert.Single(sw.Received(4))));
    }

    [Fact]
    public void Mod_dl_src_rewrites()
    {
        var sw = new TestSwitch(2);
        sw.AddFlow("priority=10,actions=mod_dl_src:02:00:00:00:00:42,output:2");
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal(TestSwitch.MacOf(0x42), EthernetHeader.Source(Assert.Single(sw.Received(2))));
    }

    [Fact]
    public void Edit_then_normal_forwards_the_edited_frame()
    {
        // mod_vlan_vid on an all-VLAN trunk: NORMAL sees VLAN 9 and keeps the tag towards the trunk.
        var sw = new TestSwitch(2);
        sw.AddFlow("priority=10,actions=mod_vlan_vid:9,normal");
        sw.Send(1, Frames.Broadcast(1));
        Assert.Equal(9, Frames.Tci(Assert.Single(sw.Received(2))));
        Assert.True(sw.Mac.TryLookup(9, TestSwitch.MacOf(1), out _));
    }

    [Fact]
    public void Output_then_normal_both_happen()
    {
        var sw = new TestSwitch(3);
        sw.AddFlow("priority=10,in_port=1,actions=output:3,normal");
        sw.Send(1, Frames.Broadcast(1));
        Assert.Equal([0, 0, 1, 2], sw.ReceivedCounts());
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Order_within_a_flow_is_kept_when_flows_interleave()
    {
        var sw = new TestSwitch(3);
        sw.AddFlow("priority=10,udp,tp_src=1000,actions=output:2");
        sw.AddFlow("priority=10,udp,tp_src=2000,actions=output:3");
        var frames = new List<byte[]>();
        for (int i = 0; i < 30; i++)
        {
            // Distinct payload lengths tag each frame's position.
            frames.Add(Frames.Udp(1, 2, srcPort: i % 3 == 0 ? (ushort)2000 : (ushort)1000, payload: 20 + i));
        }
        sw.Send(1, [.. frames]);
        List<byte[]> to2 = sw.Received(2);
        List<byte[]> to3 = sw.Received(3);
        Assert.Equal(frames.Where((_, i) => i % 3 != 0), to2);
        Assert.Equal(frames.Where((_, i) => i % 3 == 0), to3);
    }

    [Fact]
    public void A_flow_change_is_seen_at_the_next_batch_despite_the_cache()
    {
        var sw = new TestSwitch(3);
        sw.AddFlow("priority=10,actions=output:2");
        sw.Send(1, Frames.Udp(1, 2));
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal([0, 0, 2, 0], sw.ReceivedCounts());
        Assert.Equal(1, sw.Pmd.Stats.EmcHits);
        sw.AddFlow("priority=10,actions=output:3");
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal([0, 0, 0, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void An_edit_on_a_lent_packet_copies_first_and_leaves_lender_memory_alone()
    {
        var sw = new TestSwitch(2);
        byte[] frame = Frames.Udp(1, 2);
        using var lender = new LendingPort(new Core.Ports.PortId(9), frame);
        sw.AddPort(lender);
        sw.AddFlow("priority=10,in_port=9,actions=mod_vlan_vid:5,output:2,output:1");
        Assert.Equal(1, sw.Pmd.PollOnce(lender, 0));
        Assert.Equal(5, Frames.Tci(Assert.Single(sw.Received(2))));
        Assert.Equal(5, Frames.Tci(Assert.Single(sw.Received(1))));
        Assert.Equal(frame, lender.BytesAtCompletion);
        Assert.Equal(1, lender.Completions);
        sw.AssertNoLeaks();
        Assert.Equal(lender.Pool.Count, lender.Pool.Available);
    }

    [Fact]
    public void An_unmodified_lent_packet_is_sent_without_copy_before_CompleteReceive()
    {
        var sw = new TestSwitch(2);
        byte[] frame = Frames.Udp(1, 2);
        using var lender = new LendingPort(new Core.Ports.PortId(9), frame);
        sw.AddPort(lender);
        sw.AddFlow("priority=10,in_port=9,actions=output:2");
        sw.Pmd.PollOnce(lender, 0);
        Assert.Equal(frame, Assert.Single(sw.Received(2)));
        Assert.Equal(1, lender.Completions);
    }
}
