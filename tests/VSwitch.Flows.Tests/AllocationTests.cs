using VSwitch.Flows.Cache;
using VSwitch.Flows.Classifier;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests;

/// <summary>The per-packet paths (extract, hash, cache probe and insert, classifier lookup, hit recording) allocate nothing.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Per_packet_paths_allocate_zero_bytes()
    {
        var clock = new ManualClock();
        var table = new FlowTable(clock);
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            table.Add(RandomRules.Rule(rng, clock));
        }
        MegaflowClassifier classifier = table.BuildClassifier();
        var emc = new ExactMatchCache(1024);
        byte[][] frames =
        [
            PacketFactory.Ipv4Tcp(), PacketFactory.WithVlan(PacketFactory.Ipv6Udp(), 9), PacketFactory.Arp(), PacketFactory.Icmpv6(),
        ];
        Run(frames, classifier, emc, 1000);
        Assert.Equal(0, Allocations.SteadyState(() => Run(frames, classifier, emc, 100_000)));
    }

    private static void Run(byte[][] frames, MegaflowClassifier classifier, ExactMatchCache emc, int count)
    {
        for (int i = 0; i < count; i++)
        {
            FlowKeyExtractor.TryExtract(frames[i & 3], (ushort)(i & 7), out FlowKey key);
            uint h = key.ComputeHash();
            if (!emc.TryLookup(key, h, classifier.Generation, out FlowRule? rule))
            {
                rule = classifier.Lookup(key);
                if (rule is not null)
                {
                    emc.Insert(key, h, classifier.Generation, rule);
                }
            }
            rule?.RecordHit(1, 64, i);
        }
    }
}
