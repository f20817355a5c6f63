using VSwitch.Flows.Cache;
using VSwitch.Flows.Syntax;
using VSwitch.Flows.Translation;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests;

/// <summary>
/// The per-packet paths allocate nothing: extract, hash, exact-match and megaflow probes, translation through several
/// tables and installing the result, crediting the counters.
/// </summary>
public sealed class AllocationTests
{
    [Fact]
    public void Per_packet_paths_allocate_zero_bytes()
    {
        var clock = new ManualClock();
        var table = new FlowTables(clock);
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            table.Add(RandomRules.Rule(rng, clock));
        }
        table.Add(FlowParser.ParseFlow("priority=65000,in_port=3,actions=push_vlan:0x8100,set_field:4196->vlan_vid,goto_table:1", clock));
        table.Add(FlowParser.ParseFlow("table=1,priority=1,actions=write_metadata:0x5/0xff,goto_table:2", clock));
        table.Add(FlowParser.ParseFlow("table=2,priority=1,metadata=0x5/0xff,actions=pop_vlan,output:2", clock));
        FlowPipeline pipeline = table.Build();
        var cache = new FlowCache(1024, 256);
        var translator = new FlowTranslator();
        byte[][] frames =
        [
            PacketFactory.Ipv4Tcp(), PacketFactory.WithVlan(PacketFactory.Ipv6Udp(), 9), PacketFactory.Arp(), PacketFactory.Icmpv6(),
        ];
        Run(frames, pipeline, cache, translator, 1000);
        Assert.Equal(0, Allocations.SteadyState(() => Run(frames, pipeline, cache, translator, 100_000)));
        Assert.True(cache.Flushes > 0, "the test must also exercise flushing a full cache");
    }

    private static void Run(byte[][] frames, FlowPipeline pipeline, FlowCache cache, FlowTranslator translator, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if ((i & 31) == 0)
            {
                cache.BeginBatch(pipeline);
            }
            FlowKeyExtractor.TryExtract(frames[i & 3], 0, out FlowKey key);
            // in_port is in every megaflow's mask (table 0 has an in_port flow at the top), so 1024 ports overflow 256 megaflows.
            key.InPort = (ushort)(i & 0x3ff);
            uint h = key.ComputeHash();
            if (!cache.TryLookupExact(key, h, out int flow) && !cache.TryLookupMegaflow(key, h, out flow))
            {
                Assert.True(translator.Translate(pipeline, key));
                flow = cache.Install(key, h, translator);
            }
            foreach (FlowCredit c in cache.Credits(flow))
            {
                c.Counters?.Record(1, 64, i);
            }
        }
    }
}
