using System.Diagnostics;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Capture;

/// <summary>Runs tshark (or capinfos) on a capture file and returns its output lines.</summary>
public static class Tshark
{
    public static string Path => Prerequisite.FindOnPath("tshark") ?? throw new InvalidOperationException("tshark is not installed");

    public static void Require() => Prerequisite.Require(Prerequisite.FindOnPath("tshark") is not null, "tshark is not installed");

    /// <summary>tshark -r FILE -T fields -E separator=| -e FIELD... [-Y FILTER].</summary>
    public static string[] Fields(string file, string? displayFilter, params string[] fields)
    {
        var args = new List<string> { "-r", file, "-T", "fields", "-E", "separator=|" };
        foreach (string f in fields)
        {
            args.Add("-e");
            args.Add(f);
        }
        if (displayFilter is not null)
        {
            args.Add("-Y");
            args.Add(displayFilter);
        }
        return Run(Path, [.. args]);
    }

    public static string[] Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            Assert.Fail($"{program} did not finish");
        }
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)} failed: {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
