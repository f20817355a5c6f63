using VSwitch.Core.Diagnostics;
using Xunit;

namespace VSwitch.Core.Tests.Diagnostics;

public class ThreadAllocationMeterTests
{
    [Fact]
    public void Counts_the_owners_allocations_only_and_clears()
    {
        var meter = new ThreadAllocationMeter();
        using var started = new ManualResetEventSlim();
        int otherDone = 0;
        int ownerSleeps = 0;
        bool otherSeen = false;
        long afterStart = -1, afterAllocation = -1, afterClear = -1, afterOthers = -1, sinceStart = -1;
        byte[]? kept = null;
        var owner = new Thread(() =>
        {
            meter.Start();
            meter.Sample();
            afterStart = meter.SinceStart;
            kept = new byte[10_000];
            meter.Sample();
            afterAllocation = meter.SinceStart;
            meter.Clear();
            meter.Sample();
            afterClear = meter.SinceClear;
            started.Set();
            // The owner's wait lies inside the measured window, so it must not allocate: a ManualResetEventSlim that
            // has to block (not released while it spins, as on a busy machine) creates its lock object, 24 bytes on
            // this thread. A flag polled with Thread.Sleep allocates nothing, however long the wait.
            otherSeen = SleepUntilSet(ref otherDone, ref ownerSleeps, TimeSpan.FromSeconds(30));
            meter.Sample();
            afterOthers = meter.SinceClear;
            sinceStart = meter.SinceStart;
        });
        owner.Start();
        Assert.True(started.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the owner thread did not start");
        // The owner is asleep in its wait (every run, loaded machine or not) when another thread allocates; those
        // bytes are not the owner's.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref ownerSleeps) > 0, TimeSpan.FromSeconds(30)), "the owner did not wait");
        byte[] garbage = new byte[50_000];
        Volatile.Write(ref otherDone, 1);
        Assert.True(owner.Join(TimeSpan.FromSeconds(30)), "the owner thread did not finish");

        Assert.True(otherSeen, "the owner did not see the other thread's allocation done");
        Assert.NotNull(kept);
        Assert.NotEmpty(garbage);
        Assert.Equal(0, afterStart);
        Assert.InRange(afterAllocation, 10_000, 11_000);
        Assert.Equal(0, afterClear);
        Assert.Equal(0, afterOthers);
        Assert.Equal(afterAllocation, sinceStart);
    }

    /// <summary>Polls <paramref name="flag"/> until it is 1 or the deadline passes, counting its sleeps; allocates nothing.</summary>
    private static bool SleepUntilSet(ref int flag, ref int sleeps, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Volatile.Read(ref flag) == 0)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }
            Thread.Sleep(1);
            Interlocked.Increment(ref sleeps);
        }
        return true;
    }

    [Fact]
    public void GC_counts_subtract_per_generation()
    {
        GcCounts before = GcCounts.Now();
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GcCounts delta = GcCounts.Now() - before;
        Assert.True(delta.Gen0 >= 1, $"gen0 delta {delta.Gen0}");
        Assert.True(delta.Gen2 >= 0);
    }
}
