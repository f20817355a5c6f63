using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Flows.Rules;
using VSwitch.TestKit.Offload;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>
/// Several flow tables through the datapath (OpenFlow 1.3.5 §5.1–§5.10): goto_table, table-miss, apply-actions against
/// the action set (write_actions, clear_actions), write_metadata matched in a later table, set_field, and one megaflow
/// serving the whole pipeline once translated.
/// </summary>
public sealed class MultiTableTests
{
    private static TestSwitch Switch(int ports)
    {
        var sw = new TestSwitch(ports);
        sw.Flows.Delete(FlowFilter.All);
        sw.Publish();
        return sw;
    }

    private static FlowRule Rule(TestSwitch sw, byte table, int priority) =>
        sw.Flows.Rules.Single(r => r.TableId == table && r.Priority == priority);

    [Fact]
    public void Goto_table_runs_the_next_table_and_counts_each_flow()
    {
        var sw = Switch(4);
        sw.AddFlow("table=0,priority=10,in_port=1,actions=goto_table:1");
        sw.AddFlow($"table=1,priority=10,dl_dst={TestSwitch.MacOf(3)},actions=output:3");
        sw.AddFlow("table=1,priority=5,actions=output:2");

        sw.Send(1, Frames.Udp(1, 3), Frames.Udp(1, 3), Frames.Udp(1, 4));

        Assert.Equal([0, 0, 1, 2, 0], sw.ReceivedCounts());
        Assert.Equal(3, Rule(sw, 0, 10).PacketCount);
        Assert.Equal(2, Rule(sw, 1, 10).PacketCount);
        Assert.Equal(1, Rule(sw, 1, 5).PacketCount);
        Assert.Equal(3, sw.Pmd.Stats.TableLookups[0]);
        Assert.Equal(3, sw.Pmd.Stats.TableLookups[1]);
        Assert.Equal(3, sw.Pmd.Stats.TableMatches[1]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_table_miss_drops_and_the_action_set_does_not_run()
    {
        var sw = Switch(3);
        sw.AddFlow("table=0,priority=10,actions=write_actions(output:3),goto_table:1");
        sw.AddFlow("table=1,priority=10,in_port=2,actions=output:3");

        sw.Send(1, Frames.Udp(1, 2));

        Assert.Equal([0, 0, 0, 0], sw.ReceivedCounts());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.NoRule]);
        Assert.Equal(1, sw.Pmd.Stats.TableLookups[1]);
        Assert.Equal(0, sw.Pmd.Stats.TableMatches[1]);

        // They are the OpenFlow TABLE statistics: clearing the thread's counters leaves them, and they add up.
        sw.Pmd.Stats.Clear();
        long[] lookups = [5, 5, 5];
        long[] matches = [0, 0, 0];
        sw.Pmd.Stats.AddTableCountsTo(lookups, matches);
        Assert.Equal([6, 6, 5], lookups);
        Assert.Equal([1, 0, 0], matches);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_table_miss_flow_catches_what_the_table_does_not_match()
    {
        var sw = Switch(3);
        sw.AddFlow("table=0,priority=10,dl_vlan=5,actions=output:3");
        sw.AddFlow("table=0,priority=0,actions=output:2");

        sw.Send(1, Frames.Udp(1, 2), Frames.Tagged(Frames.Udp(1, 2), 5));

        Assert.Equal([0, 0, 1, 1], sw.ReceivedCounts());
        sw.AssertNoLeaks();
    }

    [Fact]
    public void The_action_set_runs_at_the_end_with_one_action_of_each_kind()
    {
        var sw = Switch(4);
        // Table 0 writes output:3 and a VLAN; table 1 replaces the output with 4 (one output per set, §5.10) and applies
        // output:2 at once, before the set's VLAN push happens.
        sw.AddFlow("table=0,priority=1,actions=write_actions(push_vlan:0x8100,set_field:4103->vlan_vid,output:3),goto_table:1");
        sw.AddFlow("table=1,priority=1,actions=output:2,write_actions(output:4)");
        byte[] frame = Frames.Udp(1, 2);

        sw.Send(1, frame);

        Assert.Equal(frame, Assert.Single(sw.Received(2)));
        Assert.Empty(sw.Received(3));
        byte[] tagged = Assert.Single(sw.Received(4));
        Assert.Equal(7, Frames.Tci(tagged));
        Assert.Equal(frame, Frames.Untag(tagged));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Clear_actions_empties_the_set()
    {
        var sw = Switch(3);
        sw.AddFlow("table=0,priority=1,actions=write_actions(output:3),goto_table:1");
        sw.AddFlow("table=1,priority=1,actions=clear_actions");

        sw.Send(1, Frames.Udp(1, 2));

        Assert.Equal([0, 0, 0, 0], sw.ReceivedCounts());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.FlowDrop]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Metadata_written_in_one_table_is_matched_in_the_next()
    {
        var sw = Switch(4);
        sw.AddFlow("table=0,priority=1,in_port=1,actions=write_metadata:0x10/0xff,goto_table:1");
        sw.AddFlow("table=0,priority=1,in_port=2,actions=write_metadata:0x20/0xff,goto_table:1");
        sw.AddFlow("table=1,priority=1,metadata=0x10/0xff,actions=output:3");
        sw.AddFlow("table=1,priority=1,metadata=0x20/0xff,actions=output:4");

        sw.Send(1, Frames.Udp(1, 9));
        sw.Send(2, Frames.Udp(2, 9));

        Assert.Equal([0, 0, 0, 1, 1], sw.ReceivedCounts());
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Set_field_on_addresses_and_ports_leaves_valid_checksums()
    {
        var sw = Switch(2);
        sw.AddFlow("table=0,priority=1,tcp,actions=set_field:10.9.9.9->ipv4_dst,goto_table:1");
        sw.AddFlow("table=1,priority=1,tcp,actions=set_field:8080->tcp_dst,mod_dl_dst:02:00:00:00:00:63,output:2");
        var spec = new L4FrameSpec { Payload = new byte[40] };

        sw.Send(1, L4Frames.Build(spec));

        byte[] sent = Assert.Single(sw.Received(2));
        byte[] expected = L4Frames.Build(spec with { DstIp = [10, 9, 9, 9], DstPort = 8080 });
        Assert.Equal(expected[12..], sent[12..]);
        Assert.Equal(TestSwitch.MacOf(0x63), EthernetHeader.Destination(sent));
        Assert.True(L4Frames.ChecksumsValid(sent));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void One_megaflow_serves_the_pipeline_for_packets_that_agree_on_what_it_looked_at()
    {
        var sw = Switch(3);
        sw.AddFlow("table=0,priority=1,in_port=1,actions=goto_table:1");
        sw.AddFlow("table=1,priority=1,actions=goto_table:2");
        sw.AddFlow($"table=2,priority=1,dl_dst={TestSwitch.MacOf(2)},actions=output:2");

        // Different UDP source ports: different exact-match entries, one megaflow (no table looked at the ports).
        sw.Send(1, Frames.Udp(1, 2, srcPort: 1), Frames.Udp(1, 2, srcPort: 2), Frames.Udp(1, 2, srcPort: 3));
        sw.Send(1, Frames.Udp(1, 2, srcPort: 4));

        Assert.Equal(4, sw.Received(2).Count);
        Assert.Equal(1, sw.Pmd.Stats.Upcalls);
        // The two later packets of the first batch find the megaflow the first one installed, the fourth finds it after
        // an exact-match miss.
        Assert.Equal(3, sw.Pmd.Cache.MegaflowHits);
        Assert.Equal(4, Rule(sw, 2, 1).PacketCount);

        // A change to the tables is seen at the next batch: the cache empties on the new generation.
        sw.AddFlow($"table=2,priority=9,dl_dst={TestSwitch.MacOf(2)},actions=output:3");
        sw.Send(1, Frames.Udp(1, 2, srcPort: 1));
        Assert.Single(sw.Received(3));
        sw.AssertNoLeaks();
    }
}
