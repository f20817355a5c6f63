using VSwitch.Flows.Actions;
using VSwitch.Flows.Translation;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Rules;

public sealed class FlowTablesTests
{
    private readonly ManualClock _clock = new() { NowMilliseconds = 100_000 };

    private FlowRule F(string text) => FlowParser.ParseFlow(text, _clock);

    private static FlowMatch M(string text) => FlowParser.ParseMatch(text, null, out _);

    private static int Del(FlowTables t, FlowMatch? m, int? priority, bool strict) =>
        t.Delete(new FlowFilter(null, m, priority, strict)).Count;

    private static int Mod(FlowTables t, FlowMatch m, int? priority, ActionList actions, bool strict) =>
        t.Modify(new FlowFilter(null, m, priority, strict), actions);

    private static string[] Dump(FlowTables t) => t.Rules.Select(r => FlowFormatter.Format(r)).ToArray();

    [Fact]
    public void A_new_table_holds_only_the_default_normal_flow()
    {
        var t = new FlowTables(_clock);
        Assert.Equal(["priority=0,actions=normal"], Dump(t));
        Assert.NotEqual(0, t.Generation);
        Assert.Same(t.Rules[0], t.Build().Table(0)!.Lookup(default));
    }

    [Fact]
    public void Add_with_identical_match_and_priority_replaces_and_keeps_counters_unless_reset_counts()
    {
        var t = new FlowTables(_clock);
        FlowRule first = F("priority=5,in_port=1,actions=output:2");
        t.Add(first);
        first.RecordHit(4, 400, _clock.NowMilliseconds);
        t.Add(F("priority=5,in_port=1,actions=output:3"));
        t.Add(F("priority=6,in_port=1,actions=output:4"));
        Assert.Equal(["priority=0,actions=normal", "priority=5,in_port=1,actions=output:3", "priority=6,in_port=1,actions=output:4"], Dump(t));
        Assert.Equal(4, t.Rules[1].PacketCount);
        Assert.Equal(FlowAddResult.Replaced, t.Add(F("priority=5,in_port=1,actions=output:7"), resetCounts: true));
        Assert.Equal(0, t.Rules[^1].PacketCount);
    }

    [Fact]
    public void Add_after_modify_delete_and_expiry_still_replaces_by_identity()
    {
        var t = new FlowTables(_clock);
        t.Add(F("priority=5,in_port=1,actions=output:2"));
        Mod(t, M("in_port=1"), null, ActionList.DropAll, false);
        t.Add(F("priority=5,in_port=1,actions=output:3"));
        Assert.Equal(["priority=0,actions=normal", "priority=5,in_port=1,actions=output:3"], Dump(t));
        Del(t, M("in_port=1"), 5, true);
        t.Add(F("hard_timeout=1,priority=5,in_port=1,actions=output:4"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(t.ExpireTimeouts());
        t.Add(F("priority=5,in_port=1,actions=output:5"));
        t.Add(F("priority=5,in_port=1,actions=output:6"));
        Assert.Equal(["priority=0,actions=normal", "priority=5,in_port=1,actions=output:6"], Dump(t));
    }

    [Fact]
    public void Every_change_bumps_the_generation_and_rebuilds_the_classifier()
    {
        var t = new FlowTables(_clock);
        long g0 = t.Generation;
        FlowPipeline c0 = t.Build();
        Assert.Same(c0, t.Build());
        t.Add(F("in_port=1,actions=drop"));
        long g1 = t.Generation;
        Assert.True(g1 > g0);
        FlowPipeline c1 = t.Build();
        Assert.NotSame(c0, c1);
        Assert.Equal(g1, c1.Generation);
        Assert.Equal(0, Del(t, M("in_port=9"), null, false));
        Assert.Equal(g1, t.Generation);
        Assert.Equal(0, Mod(t, M("in_port=9"), null, ActionList.DropAll, false));
        Assert.Equal(g1, t.Generation);
        Assert.Equal(1, Mod(t, M("in_port=1"), null, ActionList.Normal, false));
        Assert.True(t.Generation > g1);
    }

    [Fact]
    public void Generations_are_unique_across_tables()
    {
        var a = new FlowTables(_clock);
        var b = new FlowTables(_clock);
        Assert.NotEqual(a.Generation, b.Generation);
    }

    [Fact]
    public void Delete_loose_selects_every_flow_at_least_as_specific()
    {
        var t = Populated();
        Assert.Equal(2, Del(t, M("in_port=1"), null, strict: false));
        Assert.Equal(["priority=0,actions=normal", "priority=10,in_port=2,actions=output:1", "priority=30,tcp,actions=drop"], Dump(t));
    }

    [Fact]
    public void Delete_loose_ignores_priority_and_matches_on_masked_bits()
    {
        var t = Populated();
        Assert.Equal(2, Del(t, M("tcp"), 999, strict: false));
        Assert.Equal(3, t.Count);
        var u = Populated();
        Assert.Equal(1, Del(u, M("ip,nw_dst=10.0.0.0/8"), null, false));
    }

    [Fact]
    public void Delete_strict_needs_exact_match_and_priority()
    {
        var t = Populated();
        Assert.Equal(0, Del(t, M("in_port=1"), 5, strict: true));
        Assert.Equal(1, Del(t, M("in_port=1"), 10, strict: true));
        Assert.Equal(0, Del(t, M("tcp"), null, strict: true));
        t.Add(F("tcp,actions=drop"));
        Assert.Equal(1, Del(t, M("tcp"), null, strict: true));
    }

    [Fact]
    public void Delete_all_empties_the_table()
    {
        var t = Populated();
        Assert.Equal(5, Del(t, null, null, false));
        Assert.Empty(t.Rules);
        Assert.Null(t.Build().Table(0));
    }

    [Fact]
    public void Modify_loose_changes_actions_and_keeps_counters_cookie_timeouts()
    {
        var t = new FlowTables(_clock);
        t.Add(F("cookie=0x9,idle_timeout=30,priority=7,in_port=1,dl_vlan=5,actions=output:2"));
        FlowRule before = t.Rules[1];
        before.RecordHit(3, 300, _clock.NowMilliseconds + 1);
        Assert.Equal(1, Mod(t, M("in_port=1"), null, FlowParser.ParseActions("output:3"), strict: false));
        FlowRule after = t.Rules[1];
        Assert.Equal("cookie=0x9,idle_timeout=30,priority=7,in_port=1,dl_vlan=5,actions=output:3", FlowFormatter.Format(after));
        Assert.Equal(3, after.PacketCount);
        Assert.Equal(300, after.ByteCount);
        before.RecordHit(1, 100, _clock.NowMilliseconds + 2);
        Assert.Equal(4, after.PacketCount);
        Assert.Equal(before.CreatedMs, after.CreatedMs);
    }

    [Fact]
    public void Modify_strict_needs_exact_match_and_priority_and_adds_nothing()
    {
        var t = Populated();
        Assert.Equal(0, Mod(t, M("in_port=1"), 11, ActionList.DropAll, strict: true));
        Assert.Equal(1, Mod(t, M("in_port=1"), 10, ActionList.DropAll, strict: true));
        Assert.Equal(0, Mod(t, M("in_port=7"), 10, ActionList.DropAll, strict: true));
        Assert.Equal(5, t.Count);
        Assert.Equal("priority=10,in_port=1,actions=drop", FlowFormatter.Format(t.Rules[1]));
    }

    [Fact]
    public void Idle_timeout_expires_only_without_hits()
    {
        var t = new FlowTables(_clock);
        t.Add(F("idle_timeout=10,in_port=1,actions=drop"));
        FlowRule r = t.Rules[1];
        _clock.Advance(TimeSpan.FromSeconds(9));
        r.RecordHit(1, 60, _clock.NowMilliseconds);
        _clock.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Empty(t.ExpireTimeouts());
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        long g = t.Generation;
        Assert.Single(t.ExpireTimeouts());
        Assert.Equal(1, t.Count);
        Assert.True(t.Generation > g);
    }

    [Fact]
    public void Hard_timeout_expires_despite_hits()
    {
        var t = new FlowTables(_clock);
        t.Add(F("hard_timeout=5,idle_timeout=60,in_port=1,actions=drop"));
        for (int i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            t.Rules[1].RecordHit(1, 60, _clock.NowMilliseconds);
            Assert.Empty(t.ExpireTimeouts());
        }
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(t.ExpireTimeouts());
        Assert.Empty(t.ExpireTimeouts());
    }

    [Fact]
    public void A_flow_without_timeouts_never_expires()
    {
        var t = new FlowTables(_clock);
        _clock.Advance(TimeSpan.FromDays(400));
        Assert.Empty(t.ExpireTimeouts());
        Assert.Equal(1, t.Count);
    }

    [Fact]
    public void RecordHit_sums_from_many_threads()
    {
        FlowRule r = F("actions=normal");
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                r.RecordHit(2, 128, 5);
            }
        });
        Assert.Equal(80_000, r.PacketCount);
        Assert.Equal(40_000 * 128, r.ByteCount);
        Assert.Equal(5, r.LastUsedMs);
    }

    [Fact]
    public void FlowRule_rejects_out_of_range_settings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowRule(FlowMatch.CatchAll, 65536, ActionList.Normal));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowRule(FlowMatch.CatchAll, -1, ActionList.Normal));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowRule(FlowMatch.CatchAll, 1, ActionList.Normal, idleTimeout: 70000));
    }

    [Fact]
    public void FlowMatch_normalises_bits_outside_the_mask()
    {
        var key = new FlowKey { NwDst = 0x0a0000ff };
        var mask = new FlowMask { NwDst = 0xffffff00 };
        var a = new FlowMatch(key, mask);
        Assert.Equal(0x0a000000u, a.Key.NwDst);
        Assert.Equal(a, new FlowMatch(new FlowKey { NwDst = 0x0a000001 }, mask));
        Assert.True(a.Matches(new FlowKey { NwDst = 0x0a000042, InPort = 9 }));
        Assert.False(a.Matches(new FlowKey { NwDst = 0x0a000142 }));
    }

    private FlowTables Populated()
    {
        var t = new FlowTables(_clock);
        t.Add(F("priority=10,in_port=1,actions=output:2"));
        t.Add(F("priority=10,in_port=2,actions=output:1"));
        t.Add(F("priority=20,tcp,in_port=1,nw_dst=10.1.0.0/16,actions=drop"));
        t.Add(F("priority=30,tcp,actions=drop"));
        return t;
    }
}
