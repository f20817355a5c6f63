using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Learning;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Datapath.Tests.Learning;

public sealed class MacLearningTableTests
{
    private static readonly MacAddress A = new(0x02_00_00_00_00_0a);
    private static readonly MacAddress B = new(0x02_00_00_00_00_0b);
    private static readonly PortId P1 = new(1);
    private static readonly PortId P2 = new(2);

    private readonly ManualClock _clock = new() { NowMilliseconds = 5_000 };

    [Fact]
    public void Learn_then_lookup_finds_the_port_on_the_same_VLAN_only()
    {
        var table = new MacLearningTable(_clock);
        Assert.Equal(LearnResult.Learned, table.Learn(10, A, P1));
        Assert.True(table.TryLookup(10, A, out PortId port));
        Assert.Equal(P1, port);
        Assert.False(table.TryLookup(11, A, out _));
        Assert.False(table.TryLookup(10, B, out _));
        Assert.Equal(1, table.Count);
        Assert.Equal(1, table.Learned);
    }

    [Fact]
    public void An_entry_ages_out_after_the_aging_time_without_traffic()
    {
        var table = new MacLearningTable(_clock, agingSeconds: 15);
        table.Learn(0, A, P1);
        _clock.Advance(TimeSpan.FromSeconds(14.9));
        Assert.True(table.TryLookup(0, A, out _));
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.False(table.TryLookup(0, A, out _));
        Assert.Equal(1, table.RemoveExpired());
        Assert.Equal(0, table.Count);
        Assert.Equal(1, table.Expired);
    }

    [Fact]
    public void Traffic_refreshes_the_entry_so_it_does_not_age_out()
    {
        var table = new MacLearningTable(_clock, agingSeconds: 15);
        table.Learn(0, A, P1);
        for (int i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal(LearnResult.Refreshed, table.Learn(0, A, P1));
        }
        Assert.True(table.TryLookup(0, A, out _));
    }

    [Fact]
    public void A_refresh_within_one_second_writes_nothing()
    {
        var table = new MacLearningTable(_clock);
        table.Learn(0, A, P1);
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(LearnResult.Unchanged, table.Learn(0, A, P1));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(LearnResult.Refreshed, table.Learn(0, A, P1));
    }

    [Fact]
    public void A_move_to_another_port_is_recorded_and_counted()
    {
        var table = new MacLearningTable(_clock);
        table.Learn(0, A, P1);
        Assert.Equal(LearnResult.Moved, table.Learn(0, A, P2));
        Assert.True(table.TryLookup(0, A, out PortId port));
        Assert.Equal(P2, port);
        Assert.Equal(1, table.Moves);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void A_multicast_source_is_refused()
    {
        var table = new MacLearningTable(_clock);
        Assert.Equal(LearnResult.Refused, table.Learn(0, MacAddress.Broadcast, P1));
        Assert.Equal(LearnResult.Refused, table.Learn(0, new MacAddress(0x01_00_5e_00_00_01), P1));
        Assert.Equal(0, table.Count);
        Assert.Equal(2, table.RefusedMulticast);
        Assert.False(table.TryLookup(0, MacAddress.Broadcast, out _));
    }

    [Fact]
    public void A_full_table_evicts_the_least_recently_seen_and_counts()
    {
        var table = new MacLearningTable(_clock, maxEntries: 4);
        for (int i = 0; i < 4; i++)
        {
            table.Learn(0, new MacAddress(0x02_00_00_00_01_00UL + (uint)i), P1);
            _clock.Advance(TimeSpan.FromSeconds(2));
        }
        table.Learn(0, new MacAddress(0x02_00_00_00_01_00UL), P1);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(LearnResult.Learned, table.Learn(0, B, P2));
        Assert.Equal(4, table.Count);
        Assert.Equal(1, table.Evictions);
        Assert.True(table.TryLookup(0, new MacAddress(0x02_00_00_00_01_00UL), out _));
        Assert.False(table.TryLookup(0, new MacAddress(0x02_00_00_00_01_01UL), out _));
        Assert.True(table.TryLookup(0, B, out _));
    }

    [Fact]
    public void RemovePort_forgets_only_that_ports_entries()
    {
        var table = new MacLearningTable(_clock);
        table.Learn(0, A, P1);
        table.Learn(5, A, P1);
        table.Learn(0, B, P2);
        Assert.Equal(2, table.RemovePort(P1));
        Assert.False(table.TryLookup(0, A, out _));
        Assert.False(table.TryLookup(5, A, out _));
        Assert.True(table.TryLookup(0, B, out _));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Flush_forgets_everything()
    {
        var table = new MacLearningTable(_clock);
        table.Learn(0, A, P1);
        table.Learn(0, B, P2);
        Assert.Equal(2, table.Flush());
        Assert.Equal(0, table.Count);
        Assert.Empty(table.GetEntries());
    }

    [Fact]
    public void GetEntries_lists_live_entries_with_age()
    {
        var table = new MacLearningTable(_clock, agingSeconds: 60);
        table.Learn(7, A, P2);
        _clock.Advance(TimeSpan.FromSeconds(3));
        table.Learn(0, B, P1);
        List<MacLearningEntry> entries = table.GetEntries();
        Assert.Equal([new MacLearningEntry(0, B, P1, 0), new MacLearningEntry(7, A, P2, 3)], entries);
    }

    [Theory]
    [InlineData(14)]
    [InlineData(3601)]
    public void AgingSeconds_out_of_range_throws(int seconds)
    {
        var table = new MacLearningTable(_clock);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.AgingSeconds = seconds);
    }

    [Fact]
    public void MaxEntries_can_be_lowered_and_the_limit_applies()
    {
        var table = new MacLearningTable(_clock);
        table.MaxEntries = 2;
        table.Learn(0, A, P1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        table.Learn(0, B, P1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        table.Learn(0, new MacAddress(0x02_00_00_00_00_0c), P1);
        Assert.Equal(2, table.Count);
        Assert.False(table.TryLookup(0, A, out _));
    }

    [Fact]
    public void A_full_bucket_evicts_the_oldest_of_the_bucket()
    {
        // One bucket of eight ways when the limit is small: the ninth address must replace the oldest.
        var table = new MacLearningTable(_clock, maxEntries: 4);
        table.MaxEntries = table.SlotCount;
        Assert.Equal(MacLearningTable.Ways, table.SlotCount);
        for (int i = 0; i < MacLearningTable.Ways; i++)
        {
            table.Learn(0, new MacAddress(0x02_00_00_00_02_00UL + (uint)i), P1);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        table.Learn(0, A, P2);
        Assert.Equal(MacLearningTable.Ways, table.Count);
        Assert.Equal(1, table.Evictions);
        Assert.False(table.TryLookup(0, new MacAddress(0x02_00_00_00_02_00UL), out _));
    }

    [Fact]
    public void Concurrent_learners_and_readers_never_see_a_port_that_was_not_learnt()
    {
        // Two writers move the same addresses between ports 1 and 2 while a reader looks them up: a torn read
        // would show up as any other port value.
        var table = new MacLearningTable(new ManualClock { NowMilliseconds = 1 }, maxEntries: 64);
        var macs = new MacAddress[16];
        for (int i = 0; i < macs.Length; i++)
        {
            macs[i] = new MacAddress(0x02_00_00_00_03_00UL + (uint)i);
        }
        using var stop = new CancellationTokenSource();
        long bad = 0;
        // Passes over the addresses per thread: the race ends once every thread has made enough of them (and 300 ms
        // passed), not at a fixed time, which a thread started late on a busy machine could miss entirely.
        long[] passes = new long[3];
        void Writer(ushort port, int index)
        {
            long t = 0;
            while (!stop.IsCancellationRequested)
            {
                foreach (MacAddress m in macs)
                {
                    table.Learn(1, m, new PortId(port), t++);
                }
                Interlocked.Increment(ref passes[index]);
            }
        }
        void Reader()
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (MacAddress m in macs)
                {
                    if (table.TryLookup(1, m, 0, out PortId p) && p.Value is not (1 or 2))
                    {
                        Interlocked.Increment(ref bad);
                    }
                }
                Interlocked.Increment(ref passes[2]);
            }
        }
        Thread[] threads = [new(() => Writer(1, 0)), new(() => Writer(2, 1)), new(Reader)];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (Thread t in threads)
        {
            t.Start();
        }
        Eventually.True(() => clock.ElapsedMilliseconds >= 300 && Enumerable.Range(0, passes.Length).All(i => Interlocked.Read(ref passes[i]) >= 1000),
            "1000 passes of every thread", detail: () => string.Join(", ", passes));
        stop.Cancel();
        foreach (Thread t in threads)
        {
            t.Join();
        }
        Assert.Equal(0, bad);
        Assert.InRange(table.Count, 16, 32);
    }
}
