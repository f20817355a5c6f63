namespace VSwitch.TestKit;

/// <summary>
/// Measures what a piece of hot-path work allocates on the calling thread once it is in steady state.
/// <para>
/// The test projects that measure allocation run with tiered compilation off (TieredCompilation=false in their
/// project files): every method is compiled once, fully optimised, at its first call, so there is no tier-0 code, no
/// on-stack replacement and no tier-up landing at a moment that depends on machine load. The untimed first run
/// here takes the first calls (compilation, type initialisers, lazily created runtime state).
/// </para>
/// <para>
/// Even so the runtime very rarely charges the measuring thread once for something that is not the code's (seen while
/// fixing #12: 8136 bytes, once in about fifty measurements, with tiered compilation on and off alike). A per-packet
/// allocation shows in every run, so the fewest bytes over a few back-to-back runs is the honest figure: it is zero
/// only if some complete run allocated nothing.
/// </para>
/// </summary>
public static class Allocations
{
    /// <summary>
    /// Runs <paramref name="work"/> once unmeasured, then until one run allocates nothing on this thread or
    /// <paramref name="attempts"/> runs are done, and returns the fewest bytes one run allocated.
    /// </summary>
    public static long SteadyState(Action work, int attempts = 3)
    {
        ArgumentNullException.ThrowIfNull(work);
        return SteadyStateMeasuredBy(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }, attempts);
    }

    /// <summary>
    /// As <see cref="SteadyState(Action, int)"/>, for work that measures itself: <paramref name="run"/> returns the bytes
    /// its measured parts allocated on this thread (with <see cref="GC.GetAllocatedBytesForCurrentThread"/>), so a fake
    /// peer's own work between them is not counted. (A separate name, not an overload: a lambda such as
    /// <c>() =&gt; n = Pump()</c> would otherwise bind to this one and its value be taken for bytes.)
    /// </summary>
    public static long SteadyStateMeasuredBy(Func<long> run, int attempts = 3)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attempts);
        run();
        long fewest = long.MaxValue;
        for (int i = 0; i < attempts && fewest != 0; i++)
        {
            fewest = Math.Min(fewest, run());
        }
        return fewest;
    }
}
