using System.Diagnostics;
using System.Globalization;

namespace VSwitch.SystemBench;

/// <summary>
/// CPU counters at one instant: the machine's busy time (all CPUs), each CPU's steal time, and the CPU time of the
/// processes that belong to the window (generator, device under test, this benchmark). All in clock ticks (USER_HZ).
/// </summary>
internal readonly record struct CpuSnapshot(long BusyTicks, long[] StealTicks, long OwnTicks, long Timestamp);

/// <summary>What else ran during a window: other processes' CPU time and the hypervisor's steal, in percent of one CPU.</summary>
internal readonly record struct WindowLoadFigures(double ForeignPercent, double[] StealPercent);

/// <summary>
/// Per-window accounting of the machine around the generator and the switch. Foreign load is the machine's busy time
/// (<c>/proc/stat</c>: user, nice, system, irq, softirq) minus the CPU time of the window's own processes
/// (<c>/proc/PID/stat</c>, all threads), so short-lived processes that start and end inside the window count too.
/// Steal is <c>/proc/stat</c>'s per-CPU steal column: time the host ran something else on that vCPU.
/// </summary>
internal static class WindowLoad
{
    /// <summary>USER_HZ: ticks per second in /proc (100 on every Linux this runs on).</summary>
    public const double TicksPerSecond = 100;

    public static CpuSnapshot Take(IEnumerable<int> ownPids)
    {
        var (busy, steal) = ParseProcStat(File.ReadAllText("/proc/stat"));
        long own = 0;
        foreach (int pid in ownPids.Distinct())
        {
            try
            {
                own += ProcessTicks(File.ReadAllText($"/proc/{pid}/stat"));
            }
            catch (IOException)
            {
                // Exited: nothing more of it to count.
            }
        }
        return new CpuSnapshot(busy, steal, own, Stopwatch.GetTimestamp());
    }

    /// <summary>Foreign CPU and per-CPU steal between two snapshots, in percent of one CPU over the elapsed time.</summary>
    public static WindowLoadFigures Between(CpuSnapshot start, CpuSnapshot end) =>
        Between(start, end, (end.Timestamp - start.Timestamp) / (double)Stopwatch.Frequency);

    public static WindowLoadFigures Between(CpuSnapshot start, CpuSnapshot end, double seconds)
    {
        if (seconds <= 0)
        {
            return new WindowLoadFigures(double.NaN, []);
        }
        long foreign = Math.Max(0, (end.BusyTicks - start.BusyTicks) - (end.OwnTicks - start.OwnTicks));
        double[] steal = new double[Math.Min(start.StealTicks.Length, end.StealTicks.Length)];
        for (int i = 0; i < steal.Length; i++)
        {
            steal[i] = 100 * (end.StealTicks[i] - start.StealTicks[i]) / TicksPerSecond / seconds;
        }
        return new WindowLoadFigures(100 * foreign / TicksPerSecond / seconds, steal);
    }

    /// <summary>
    /// From <c>/proc/stat</c>: busy ticks summed over all CPUs (the <c>cpu</c> line: user + nice + system + irq + softirq;
    /// guest time is already inside user) and the steal ticks of <c>cpu0</c>, <c>cpu1</c>, … in CPU order.
    /// </summary>
    public static (long Busy, long[] Steal) ParseProcStat(string text)
    {
        long busy = 0;
        var steal = new SortedDictionary<int, long>();
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal))
            {
                continue;
            }
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 9)
            {
                continue;
            }
            long Field(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            if (f[0] == "cpu")
            {
                busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7);
            }
            else if (int.TryParse(f[0].AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int cpu))
            {
                steal[cpu] = Field(8);
            }
        }
        return (busy, [.. steal.Values]);
    }

    /// <summary>utime + stime of a <c>/proc/PID/stat</c> line (fields 14 and 15; the name in parentheses may hold spaces).</summary>
    public static long ProcessTicks(string stat)
    {
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
    }
}
