using System.Globalization;

namespace VSwitch.Control.Model;

/// <summary>
/// A CPU list as taskset and the kernel's cpulist files write it: <c>1</c>, <c>0,2-3</c>. Pure functions; thread-safe.
/// </summary>
public static class CpuList
{
    /// <summary>Largest CPU number accepted (the kernel's default CONFIG_NR_CPUS range).</summary>
    public const int MaxCpu = 1023;

    /// <summary>Parses <paramref name="text"/> into sorted, distinct CPU numbers.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out int[]? cpus, out string? error)
    {
        cpus = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the CPU list is empty";
            return false;
        }
        var set = new SortedSet<int>();
        foreach (string raw in text.Split(','))
        {
            string item = raw.Trim();
            int dash = item.IndexOf('-', StringComparison.Ordinal);
            string first = dash < 0 ? item : item[..dash];
            string last = dash < 0 ? item : item[(dash + 1)..];
            if (!TryCpu(first, out int lo) || !TryCpu(last, out int hi) || hi < lo)
            {
                error = $"'{item}' is not a CPU number or range within 0..{MaxCpu}";
                return false;
            }
            for (int c = lo; c <= hi; c++)
            {
                set.Add(c);
            }
        }
        cpus = [.. set];
        return true;
    }

    private static bool TryCpu(string text, out int cpu) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out cpu) && cpu <= MaxCpu;
}
