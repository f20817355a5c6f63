using VSwitch.Flows.Actions;
using VSwitch.Flows.Cache;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Cache;

public sealed class ExactMatchCacheTests
{
    private static readonly FlowRule s_rule = new(FlowMatch.CatchAll, 1, ActionList.Normal);

    [Fact]
    public void Insert_then_lookup_hits_only_for_the_same_key_and_generation()
    {
        var emc = new ExactMatchCache();
        var key = new FlowKey { InPort = 1, DlDst = 0x020000000002 };
        uint h = key.ComputeHash();
        Assert.False(emc.TryLookup(key, h, 5, out _));
        emc.Insert(key, h, 5, s_rule);
        Assert.True(emc.TryLookup(key, h, 5, out FlowRule? hit));
        Assert.Same(s_rule, hit);
        Assert.False(emc.TryLookup(key, h, 6, out _));
        var other = key;
        other.TpDst = 1;
        Assert.False(emc.TryLookup(other, other.ComputeHash(), 5, out _));
        Assert.Equal(1, emc.Hits);
        Assert.Equal(3, emc.Misses);
    }

    [Fact]
    public void Same_hash_with_a_different_key_is_a_miss()
    {
        var emc = new ExactMatchCache(16);
        var a = new FlowKey { InPort = 1 };
        var b = new FlowKey { InPort = 2 };
        emc.Insert(a, 77, 1, s_rule);
        Assert.False(emc.TryLookup(b, 77, 1, out _));
    }

    [Fact]
    public void Two_keys_with_the_same_primary_slot_are_both_kept()
    {
        const int entries = 8192;
        var emc = new ExactMatchCache(entries);
        var first = new FlowKey { InPort = 1 };
        uint h1 = first.ComputeHash();
        FlowKey second = default;
        uint h2 = 0;
        for (ushort p = 2; p < ushort.MaxValue; p++)
        {
            second = new FlowKey { InPort = p };
            h2 = second.ComputeHash();
            if ((h2 & (entries - 1)) == (h1 & (entries - 1)) && ((h2 >> 13) & (entries - 1)) != (h2 & (entries - 1)))
            {
                break;
            }
        }
        Assert.Equal(h1 & (entries - 1), h2 & (entries - 1));
        var other = new FlowRule(FlowMatch.CatchAll, 2, ActionList.DropAll);
        emc.Insert(first, h1, 3, s_rule);
        emc.Insert(second, h2, 3, other);
        Assert.True(emc.TryLookup(first, h1, 3, out FlowRule? r1));
        Assert.True(emc.TryLookup(second, h2, 3, out FlowRule? r2));
        Assert.Same(s_rule, r1);
        Assert.Same(other, r2);
    }

    [Fact]
    public void Reinserting_the_same_key_replaces_in_place()
    {
        var emc = new ExactMatchCache(2);
        var key = new FlowKey { InPort = 4 };
        uint h = key.ComputeHash();
        var newer = new FlowRule(FlowMatch.CatchAll, 9, ActionList.DropAll);
        emc.Insert(key, h, 1, s_rule);
        emc.Insert(key, h, 2, newer);
        Assert.True(emc.TryLookup(key, h, 2, out FlowRule? r));
        Assert.Same(newer, r);
    }

    [Fact]
    public void A_table_change_invalidates_entries_through_the_generation()
    {
        var clock = new ManualClock();
        var table = new FlowTable(clock);
        var emc = new ExactMatchCache(64);
        var key = new FlowKey { InPort = 1, DlType = 0x0800 };
        uint h = key.ComputeHash();
        var c1 = table.BuildClassifier();
        emc.Insert(key, h, c1.Generation, c1.Lookup(key)!);
        Assert.True(emc.TryLookup(key, h, c1.Generation, out _));
        table.Add(FlowParser.ParseFlow("priority=10,in_port=1,actions=drop", clock));
        var c2 = table.BuildClassifier();
        Assert.False(emc.TryLookup(key, h, c2.Generation, out _));
        emc.Insert(key, h, c2.Generation, c2.Lookup(key)!);
        Assert.True(emc.TryLookup(key, h, c2.Generation, out FlowRule? r));
        Assert.True(r.Actions.IsDrop);
    }

    [Fact]
    public void Clear_forgets_everything()
    {
        var emc = new ExactMatchCache(4);
        var key = new FlowKey { InPort = 1 };
        emc.Insert(key, key.ComputeHash(), 1, s_rule);
        emc.Clear();
        Assert.False(emc.TryLookup(key, key.ComputeHash(), 1, out _));
        Assert.Equal(0, emc.Hits);
        Assert.Equal(1, emc.Misses);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    [InlineData(1 << 25)]
    public void Size_must_be_a_power_of_two(int entries)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExactMatchCache(entries));
    }
}
