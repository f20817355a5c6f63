using System.Diagnostics;
using Xunit;

namespace VSwitch.Daemon.Tests;

/// <summary>Runs the real vswitchctl (<c>dotnet vswitchctl.dll</c>) and captures its output.</summary>
public static class Vswitchctl
{
    public static CtlResult Run(string[] args, IDictionary<string, string>? environment = null, string? stdin = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Programs.Ctl);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("VSWITCH_RUN_DIR");
        foreach ((string k, string v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }
        using Process p = Process.Start(start) ?? throw new InvalidOperationException("cannot start vswitchctl");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }
        p.StandardInput.Close();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            Assert.Fail("vswitchctl " + string.Join(' ', args) + " did not finish within 60 s");
        }
        p.WaitForExit();
        return new CtlResult(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
