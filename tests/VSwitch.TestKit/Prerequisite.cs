using Xunit;

namespace VSwitch.TestKit;

/// <summary>
/// Gate for tests that need something from the machine (root, hugepages, dpdk-testpmd, QEMU).
/// With <c>CI=true</c> a missing prerequisite fails the test; elsewhere it is skipped with the reason printed.
/// </summary>
public static class Prerequisite
{
    /// <summary>True when running under CI (<c>CI=true</c>).</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails (in CI) or skips (elsewhere) the current test unless <paramref name="available"/>.</summary>
    public static void Require(bool available, string reason)
    {
        if (available)
        {
            return;
        }
        if (InCi)
        {
            Assert.Fail($"prerequisite missing in CI: {reason}");
        }
        Assert.Skip($"prerequisite missing: {reason}");
    }

    /// <summary>True when the process runs as root.</summary>
    public static bool IsRoot => Mono.Unix.Native.Syscall.geteuid() == 0;

    /// <summary>Full path of an executable on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
