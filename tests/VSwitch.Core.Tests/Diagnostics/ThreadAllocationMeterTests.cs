using VSwitch.Core.Diagnostics;
using Xunit;

namespace VSwitch.Core.Tests.Diagnostics;

public class ThreadAllocationMeterTests
{
    [Fact]
    public void CountsTheOwnersAllocationsOnlyAndClears()
    {
        var meter = new ThreadAllocationMeter();
        using var started = new ManualResetEventSlim();
        using var otherDone = new ManualResetEventSlim();
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
            otherDone.Wait();
            meter.Sample();
            afterOthers = meter.SinceClear;
            sinceStart = meter.SinceStart;
        });
        owner.Start();
        started.Wait(TestContext.Current.CancellationToken);
        // Another thread's allocations are not the owner's.
        byte[] garbage = new byte[50_000];
        otherDone.Set();
        owner.Join();

        Assert.NotNull(kept);
        Assert.NotEmpty(garbage);
        Assert.Equal(0, afterStart);
        Assert.InRange(afterAllocation, 10_000, 11_000);
        Assert.Equal(0, afterClear);
        Assert.Equal(0, afterOthers);
        Assert.Equal(afterAllocation, sinceStart);
    }

    [Fact]
    public void GcCountsSubtractPerGeneration()
    {
        GcCounts before = GcCounts.Now();
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GcCounts delta = GcCounts.Now() - before;
        Assert.True(delta.Gen0 >= 1, $"gen0 delta {delta.Gen0}");
        Assert.True(delta.Gen2 >= 0);
    }
}
