using System.Diagnostics;

namespace VSwitch.TestKit.Net;

/// <summary>Runs a host tool (ip, busybox, md5sum) to completion with a timeout; the process is killed by its own handle if it overruns.</summary>
public static class HostCommand
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; returns exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, int timeoutMs = 30_000)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5_000);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs <c>ip ARGS</c> and fails with its stderr if it does not exit 0; returns stdout.</summary>
    public static string Ip(params string[] args)
    {
        (int code, string stdout, string stderr) = Run("ip", args);
        return code == 0 ? stdout : throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {stderr.Trim()}");
    }

    /// <summary>Runs <c>ip ARGS</c> and ignores failure (for cleanup).</summary>
    public static void IpQuiet(params string[] args)
    {
        try
        {
            _ = Run("ip", args);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // cleanup is best effort
        }
    }

    /// <summary>True when interface <paramref name="ifName"/> exists in the test's own network namespace.</summary>
    public static bool LinkExists(string ifName) => Directory.Exists(Path.Combine("/sys/class/net", ifName));

    private static int s_counter;

    /// <summary>A name unique to this process and call, at most 15 bytes: <paramref name="prefix"/> (≤ 4 chars) + pid + counter.</summary>
    public static string UniqueName(string prefix)
    {
        int n = Interlocked.Increment(ref s_counter);
        string name = $"{prefix}{Environment.ProcessId % 100000}x{n}";
        return name.Length <= 15 ? name : name[..15];
    }
}
