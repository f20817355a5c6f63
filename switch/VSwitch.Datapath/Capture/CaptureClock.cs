using System.Diagnostics;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// Wall-clock nanoseconds for capture timestamps without a system call per read: the Unix time is taken once and
/// advanced by the monotonic <see cref="Stopwatch"/>. Thread-safe (immutable after type initialisation); no allocation.
/// </summary>
public static class CaptureClock
{
    private static readonly long s_baseUnixNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
    private static readonly long s_baseStamp = Stopwatch.GetTimestamp();
    private static readonly double s_nsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Nanoseconds since 1970-01-01 UTC.</summary>
    public static long NowNanoseconds() => s_baseUnixNs + (long)((Stopwatch.GetTimestamp() - s_baseStamp) * s_nsPerTick);
}
