using VSwitch.Flows.Cache;
using VSwitch.Flows.Keys;
using Xunit;

namespace VSwitch.Flows.Tests.Cache;

public sealed class ExactMatchCacheTests
{
    private const int Flow = 17;

    [Fact]
    public void Insert_then_lookup_hits_only_for_the_same_key_and_generation()
    {
        var emc = new ExactMatchCache();
        var key = new FlowKey { InPort = 1, DlDst = 0x020000000002 };
        uint h = key.ComputeHash();
        Assert.False(emc.TryLookup(key, h, 5, out _));
        emc.Insert(key, h, 5, Flow);
        Assert.True(emc.TryLookup(key, h, 5, out int hit));
        Assert.Equal(Flow, hit);
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
        emc.Insert(a, 77, 1, Flow);
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
        emc.Insert(first, h1, 3, Flow);
        emc.Insert(second, h2, 3, Flow + 1);
        Assert.True(emc.TryLookup(first, h1, 3, out int r1));
        Assert.True(emc.TryLookup(second, h2, 3, out int r2));
        Assert.Equal(Flow, r1);
        Assert.Equal(Flow + 1, r2);
    }

    [Fact]
    public void Reinserting_the_same_key_replaces_in_place()
    {
        var emc = new ExactMatchCache(2);
        var key = new FlowKey { InPort = 4 };
        uint h = key.ComputeHash();
        emc.Insert(key, h, 1, Flow);
        emc.Insert(key, h, 2, Flow + 5);
        Assert.True(emc.TryLookup(key, h, 2, out int r));
        Assert.Equal(Flow + 5, r);
    }

    [Fact]
    public void A_new_epoch_invalidates_every_entry()
    {
        var emc = new ExactMatchCache(64);
        var key = new FlowKey { InPort = 1, DlType = 0x0800 };
        uint h = key.ComputeHash();
        emc.Insert(key, h, 1, Flow);
        Assert.True(emc.TryLookup(key, h, 1, out _));
        Assert.False(emc.TryLookup(key, h, 2, out _));
        emc.Insert(key, h, 2, Flow + 1);
        Assert.True(emc.TryLookup(key, h, 2, out int r));
        Assert.Equal(Flow + 1, r);
    }

    [Fact]
    public void Clear_forgets_everything()
    {
        var emc = new ExactMatchCache(4);
        var key = new FlowKey { InPort = 1 };
        emc.Insert(key, key.ComputeHash(), 1, Flow);
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
