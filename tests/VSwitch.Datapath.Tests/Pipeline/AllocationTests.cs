using VSwitch.Core.Net;
using VSwitch.Datapath.Ports;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>The whole pipeline, Dummy port to Dummy port, allocates nothing per packet once warm.</summary>
public sealed class AllocationTests
{
    private const int Packets = 100_000;

    public enum Scenario
    {
        NormalUnicast,
        NormalFloodWithVlanPush,
        FlowEditsAndTwoOutputs,
        ClassifierMissesEveryBatch,
        TablesGroupAndFieldEdits,
    }

    [Theory]
    [InlineData(Scenario.NormalUnicast)]
    [InlineData(Scenario.NormalFloodWithVlanPush)]
    [InlineData(Scenario.FlowEditsAndTwoOutputs)]
    [InlineData(Scenario.ClassifierMissesEveryBatch)]
    [InlineData(Scenario.TablesGroupAndFieldEdits)]
    public void Forwarding_allocates_zero_bytes_after_warm_up(Scenario scenario)
    {
        var sw = new TestSwitch(3, p => scenario == Scenario.NormalFloodWithVlanPush && p == 1 ? PortVlanConfig.Access(5) : null,
            clonePool: 128);
        var frames = new List<byte[]>();
        switch (scenario)
        {
            case Scenario.NormalUnicast:
                sw.Send(2, Frames.Udp(2, 1));
                for (int i = 0; i < 8; i++)
                {
                    frames.Add(Frames.Udp(1, 2, srcPort: (ushort)(1000 + i)));
                }
                break;
            case Scenario.NormalFloodWithVlanPush:
                frames.Add(Frames.Broadcast(1));
                break;
            case Scenario.FlowEditsAndTwoOutputs:
                sw.AddFlow("priority=10,actions=mod_vlan_vid:7,output:2,strip_vlan,mod_dl_dst:02:00:00:00:00:09,output:3");
                frames.Add(Frames.Udp(1, 2));
                break;
            case Scenario.ClassifierMissesEveryBatch:
                // More distinct flows than the 1024-entry cache holds, all under one rule.
                sw.AddFlow("priority=10,udp,actions=output:2");
                for (int i = 0; i < 4096; i++)
                {
                    frames.Add(PacketFactory.Ipv4Udp(srcPort: (ushort)i, dstPort: (ushort)(i * 7), ethSrc: TestSwitch.MacOf(1), ethDst: MacAddress.Broadcast));
                }
                break;
            case Scenario.TablesGroupAndFieldEdits:
                // Three tables, metadata, an ALL group whose buckets edit, L3/L4 set_field with checksum updates, and
                // more distinct ports than the exact-match cache holds (megaflow hits and upcalls every batch).
                sw.Flows.AddGroup(VSwitch.Flows.Syntax.GroupParser.ParseGroup(
                    "group_id=1,type=all,bucket=set_field:10.1.1.1->ipv4_src,output:2,bucket=set_field:99->udp_dst,output:3", sw.Clock));
                sw.AddFlow("table=0,priority=10,udp,actions=write_metadata:0x1/0x1,goto_table:1");
                sw.AddFlow("table=1,priority=10,metadata=0x1/0x1,udp,tp_src=0/0x1,actions=mod_nw_tos:8,goto_table:2");
                sw.AddFlow("table=1,priority=9,actions=dec_ttl,goto_table:2");
                sw.AddFlow("table=2,priority=10,actions=group:1");
                for (int i = 0; i < 4096; i++)
                {
                    frames.Add(PacketFactory.Ipv4Udp(srcPort: (ushort)i, dstPort: (ushort)(i * 7), ethSrc: TestSwitch.MacOf(1), ethDst: MacAddress.Broadcast));
                }
                break;
        }
        var source = sw.Port(1);
        source.LoadGenerator(frames);
        for (int p = 1; p <= 3; p++)
        {
            sw.Port(p).RecordSent = false;
        }

        for (int i = 0; i < 2000; i++)
        {
            sw.Pmd.PollOnce(source, 0);
        }
        long allocated = Allocations.SteadyState(() =>
        {
            long received = 0;
            while (received < Packets)
            {
                received += sw.Pmd.PollOnce(source, 0);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(0, sw.Pmd.Stats.Drops.Total);
        Assert.True(sw.Port(2).Stats.TxPackets >= Packets);
        sw.AssertNoLeaks();
    }
}
