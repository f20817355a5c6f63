namespace VSwitch.TestKit;

/// <summary>
/// Measures what a piece of hot-path work allocates on the calling thread once it is in steady state.
/// Tiered compilation (call counting, on-stack replacement of long loops, the rejit of hot methods) can allocate
/// once on the thread that runs the code, at a moment that depends on machine load; such a one-off is not a
/// per-packet cost. A per-packet allocation shows in every run, so the fewest bytes over a few runs is the honest
/// figure.
/// </summary>
public static class Allocations
{
    /// <summary>
    /// Runs <paramref name="work"/> until one run allocates nothing or <paramref name="attempts"/> runs are done,
    /// pausing between runs so the background compiler can finish, and returns the fewest bytes one run allocated.
    /// </summary>
    public static long SteadyState(Action work, int attempts = 3)
    {
        ArgumentNullException.ThrowIfNull(work);
        long fewest = long.MaxValue;
        for (int i = 0; i < attempts; i++)
        {
            if (i > 0)
            {
                Thread.Sleep(250);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
            if (fewest == 0)
            {
                break;
            }
        }
        return fewest;
    }
}
