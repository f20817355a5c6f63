using VSwitch.Flows.Classifier;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Flows.Tests.Syntax;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Classifier;

/// <summary>
/// The tuple-space classifier against a linear reference (OVS tests/test-classifier "tcls"): scan every rule
/// in table order, the highest priority wins, and among equal priorities the rule the table received first
/// (which is the table's list order) wins. Random rule sets and packets, fixed seeds.
/// </summary>
public sealed class ClassifierDifferentialTests
{
    public static TheoryData<int, int, int> Cases => new()
    {
        { 1, 1, 65535 },
        { 2, 10, 65535 },
        { 3, 100, 65535 },
        { 4, 100, 3 },
        { 5, 500, 20 },
        { 6, 1000, 65535 },
        { 7, 300, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Lookup_equals_the_linear_reference(int seed, int rules, int maxPriority)
    {
        var rng = new Random(seed);
        var clock = new ManualClock();
        var table = new FlowTables(clock);
        for (int i = 0; i < rules; i++)
        {
            table.Add(RandomRules.Rule(rng, clock, maxPriority));
        }
        CheckAgainstReference(table, rng, 5000);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void After_modifies_and_deletes_lookup_still_equals_the_linear_reference(int seed)
    {
        var rng = new Random(seed);
        var clock = new ManualClock();
        var table = new FlowTables(clock);
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 30; i++)
            {
                table.Add(RandomRules.Rule(rng, clock, 10));
            }
            FlowMatch filter;
            int? priority;
            if (rng.Next(2) == 0)
            {
                FlowRule existing = table.Rules[rng.Next(table.Count)];
                (filter, priority) = (existing.Match, existing.Priority);
            }
            else
            {
                filter = FlowParser.ParseMatch(RandomRules.Text(rng, 10, withCookie: false), TestPorts.Instance, out priority);
            }
            switch (rng.Next(3))
            {
                case 0: table.Delete(new FlowFilter(null, filter, priority, rng.Next(2) == 0)); break;
                case 1: table.Modify(new FlowFilter(null, filter, priority, rng.Next(2) == 0), FlowParser.ParseActions("output:3")); break;
            }
            CheckAgainstReference(table, rng, 500);
        }
    }

    [Fact]
    public void Equal_priority_overlap_the_older_rule_wins()
    {
        var clock = new ManualClock();
        var table = new FlowTables(clock);
        table.Add(FlowParser.ParseFlow("priority=5,in_port=1,actions=output:2", clock));
        table.Add(FlowParser.ParseFlow("priority=5,dl_type=0x0800,actions=output:3", clock));
        FlowRule? hit = table.Build().Table(0)!.Lookup(new FlowKey { InPort = 1, DlType = 0x0800 });
        Assert.Same(table.Rules[1], hit);
    }

    [Fact]
    public void Subtables_one_per_distinct_mask()
    {
        var clock = new ManualClock();
        var table = new FlowTables(clock);
        for (int p = 1; p <= 50; p++)
        {
            table.Add(FlowParser.ParseFlow($"priority={p},in_port={p},actions=drop", clock));
            table.Add(FlowParser.ParseFlow($"priority={p},ip,nw_dst=10.0.{p}.0/24,actions=drop", clock));
        }
        TableClassifier c = table.Build().Table(0)!;
        Assert.Equal(101, c.RuleCount);
        Assert.Equal(3, c.SubtableCount);
    }

    private static void CheckAgainstReference(FlowTables table, Random rng, int packets)
    {
        TableClassifier? classifier = table.Build().Table(0);
        Assert.Equal(table.Count, classifier?.RuleCount ?? 0);
        for (int i = 0; i < packets; i++)
        {
            FlowKey key = rng.Next(2) == 0 ? RandomRules.Key(rng) : NearRule(table, rng);
            FlowRule? expected = Reference(table.Rules, key);
            FlowMask consulted = default;
            FlowRule? actual = classifier?.Lookup(key, ref consulted);
            AssertMaskDecides(classifier, key, consulted, actual);
            Assert.Same(expected, actual);
        }
    }

    // Whatever key agrees with this one on the consulted bits gets the same answer: the megaflow property.
    private static void AssertMaskDecides(TableClassifier? classifier, FlowKey key, FlowMask consulted, FlowRule? answer)
    {
        if (classifier is null)
        {
            return;
        }
        FlowKey other = RandomRules.Key(new Random((int)key.ComputeHash()));
        Span<ulong> o = System.Runtime.InteropServices.MemoryMarshal.Cast<FlowKey, ulong>(new Span<FlowKey>(ref other));
        ReadOnlySpan<ulong> k = System.Runtime.InteropServices.MemoryMarshal.Cast<FlowKey, ulong>(new ReadOnlySpan<FlowKey>(in key));
        ReadOnlySpan<ulong> m = System.Runtime.InteropServices.MemoryMarshal.Cast<FlowMask, ulong>(new ReadOnlySpan<FlowMask>(in consulted));
        for (int i = 0; i < o.Length; i++)
        {
            o[i] = (o[i] & ~m[i]) | (k[i] & m[i]);
        }
        Assert.Same(answer, classifier.Lookup(other));
    }

    private static FlowRule? Reference(IReadOnlyList<FlowRule> rules, in FlowKey key)
    {
        FlowRule? best = null;
        foreach (FlowRule r in rules)
        {
            if (r.Match.Matches(key) && (best is null || r.Priority > best.Priority))
            {
                best = r;
            }
        }
        return best;
    }

    /// <summary>A key that satisfies a random rule's masked bits, with random values elsewhere.</summary>
    private static FlowKey NearRule(FlowTables table, Random rng)
    {
        FlowRule r = table.Rules[rng.Next(table.Count)];
        FlowKey noise = RandomRules.Key(rng);
        FlowKey match = r.Match.Key;
        FlowMask mask = r.Match.Mask;
        Span<byte> n = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<FlowKey>(ref noise));
        ReadOnlySpan<byte> m = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<FlowMask>(in mask));
        ReadOnlySpan<byte> v = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<FlowKey>(in match));
        for (int i = 0; i < n.Length; i++)
        {
            n[i] = (byte)((n[i] & ~m[i]) | v[i]);
        }
        return noise;
    }
}
