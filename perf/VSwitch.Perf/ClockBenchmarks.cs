using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace VSwitch.Perf;

/// <summary>
/// What one clock read costs on this machine (the clock source decides: TSC, kvm-clock, or a system call when the
/// vDSO cannot serve it): <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC; the datapath thread's busy/idle time
/// and stage timing) and <see cref="Environment.TickCount64"/> (the coarse millisecond clock behind flow statistics and
/// MAC aging). Reported per read.
/// </summary>
public class ClockBenchmarks
{
    private const int Reads = 32;

    /// <summary>32 high-resolution timestamps.</summary>
    [Benchmark(OperationsPerInvoke = Reads)]
    public long Timestamp()
    {
        long sum = 0;
        for (int i = 0; i < Reads; i++)
        {
            sum += Stopwatch.GetTimestamp();
        }
        return sum;
    }

    /// <summary>32 millisecond ticks.</summary>
    [Benchmark(OperationsPerInvoke = Reads)]
    public long Milliseconds()
    {
        long sum = 0;
        for (int i = 0; i < Reads; i++)
        {
            sum += Environment.TickCount64;
        }
        return sum;
    }
}
