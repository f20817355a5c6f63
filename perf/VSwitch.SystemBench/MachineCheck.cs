using System.Globalization;

namespace VSwitch.SystemBench;

/// <summary>
/// Is the machine quiet enough to measure? Reads the load average and samples every process's CPU time over one
/// second; anything else using more than 10 % of a CPU is named.
/// </summary>
internal static class MachineCheck
{
    public static (bool Busy, string Report) Check()
    {
        string[] load = File.ReadAllText("/proc/loadavg").Split(' ');
        double load1 = double.Parse(load[0], CultureInfo.InvariantCulture);
        Dictionary<int, (string Name, long Ticks)> before = CpuTicks();
        Thread.Sleep(1000);
        Dictionary<int, (string Name, long Ticks)> after = CpuTicks();
        long hz = 100;
        var heavy = after
            .Where(kv => kv.Key != Environment.ProcessId && before.ContainsKey(kv.Key))
            .Select(kv => (Pid: kv.Key, kv.Value.Name, Percent: 100.0 * (kv.Value.Ticks - before[kv.Key].Ticks) / hz))
            .Where(p => p.Percent > 10)
            .OrderByDescending(p => p.Percent)
            .ToList();
        bool busy = load1 > 0.7 * Environment.ProcessorCount || heavy.Count > 0;
        string report = $"load average {load[0]} {load[1]} {load[2]} on {Environment.ProcessorCount} CPUs" +
            (heavy.Count == 0 ? "; no other process above 10 % CPU" :
                "; busy processes: " + string.Join(", ", heavy.Select(p => $"{p.Name}[{p.Pid}] {p.Percent:F0}%")));
        return (busy, report);
    }

    private static Dictionary<int, (string, long)> CpuTicks()
    {
        var result = new Dictionary<int, (string, long)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                string[] f = stat[(close + 2)..].Split(' ');
                // Fields after the name: state is f[0]; utime and stime are fields 14 and 15 of the line (f[11], f[12]).
                result[pid] = (stat[(open + 1)..close], long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return result;
    }

    /// <summary>CPU time (seconds) a process has used, user + system, from /proc/PID/stat.</summary>
    public static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The CPU model from /proc/cpuinfo.</summary>
    public static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
}
