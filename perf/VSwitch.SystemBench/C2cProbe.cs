using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VSwitch.SystemBench;

/// <summary>
/// The cache-line round trip between two CPUs ("c2c"): one thread pinned to each, passing a counter back and forth
/// through one 64-byte line. The pinger writes an odd value and spins until it reads the next even one; the ponger
/// spins until it reads the odd value and writes the even one. Every round trip thus moves the line to the other CPU and
/// back. Timed in batches of <see cref="Batch"/> round trips (so the clock read is amortised); the figure is the median
/// batch's nanoseconds per round trip, which ignores batches in which a thread was preempted.
/// Run only while the generator and the switch are not running: with both CPUs busy polling it would measure the
/// scheduler, not the placement.
/// </summary>
internal static class C2cProbe
{
    public const int Batch = 1000;

    /// <summary>
    /// Median ns per round trip between <paramref name="cpuA"/> and <paramref name="cpuB"/> over
    /// <paramref name="roundTrips"/> round trips; NaN when a thread could not be pinned or the probe did not finish
    /// within <paramref name="timeout"/>.
    /// </summary>
    public static double Measure(int cpuA, int cpuB, int roundTrips, TimeSpan timeout)
    {
        int batches = Math.Max(1, roundTrips / Batch);
        // One line in the middle of 3 lines' worth of longs: the slot's line holds nothing else, whatever the array's
        // alignment, and no neighbouring object shares it.
        long[] line = new long[24];
        const int Slot = 12;
        double[] perBatch = new double[batches];
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        bool pinnedA = false, pinnedB = false, completed = false, abort = false;
        var pong = new Thread(() =>
        {
            pinnedB = Affinity.PinCurrentThread(cpuB);
            // Warm-up plus the measured batches; the pinger decides when to stop by writing -1.
            long expect = 1;
            while (true)
            {
                long v;
                while ((v = Volatile.Read(ref line[Slot])) != expect)
                {
                    if (v < 0 || Volatile.Read(ref abort))
                    {
                        return;
                    }
                }
                Volatile.Write(ref line[Slot], expect + 1);
                expect += 2;
            }
        })
        { IsBackground = true, Name = "c2c-pong" };
        var ping = new Thread(() =>
        {
            pinnedA = Affinity.PinCurrentThread(cpuA);
            long value = 1;
            bool RoundTrip()
            {
                Volatile.Write(ref line[Slot], value);
                long expect = value + 1;
                int spins = 0;
                while (Volatile.Read(ref line[Slot]) != expect)
                {
                    // Check the clock only now and then: a clock read inside the spin would add to every round trip.
                    if (++spins == 1 << 20)
                    {
                        spins = 0;
                        if (Stopwatch.GetTimestamp() > deadline)
                        {
                            return false;
                        }
                    }
                }
                value += 2;
                return true;
            }
            // Warm-up: both threads running, the spin loops compiled, the line settled.
            for (int i = 0; i < Batch; i++)
            {
                if (!RoundTrip())
                {
                    Volatile.Write(ref abort, true);
                    return;
                }
            }
            for (int b = 0; b < batches; b++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < Batch; i++)
                {
                    if (!RoundTrip())
                    {
                        Volatile.Write(ref abort, true);
                        return;
                    }
                }
                perBatch[b] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Batch;
            }
            completed = true;
            Volatile.Write(ref line[Slot], -1);
        })
        { IsBackground = true, Name = "c2c-ping" };
        pong.Start();
        ping.Start();
        bool done = ping.Join(timeout + TimeSpan.FromSeconds(1));
        Volatile.Write(ref abort, true);
        pong.Join(TimeSpan.FromSeconds(1));
        return done && completed && pinnedA && pinnedB ? Statistics.Median(perBatch) : double.NaN;
    }
}

/// <summary>Thread placement through sched_setaffinity(2).</summary>
internal static class Affinity
{
    /// <summary>Pins the calling thread to <paramref name="cpu"/> (one of the first 64 CPUs); false when the kernel refused.</summary>
    public static bool PinCurrentThread(int cpu) => Set(1UL << cpu);

    /// <summary>Sets the calling thread's CPUs (pid 0 = this thread) to the first 64 CPUs' <paramref name="mask"/>.</summary>
    public static bool Set(ulong mask) => sched_setaffinity(0, sizeof(ulong), ref mask) == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint cpusetsize, ref ulong mask);
}
