using System.Diagnostics;

namespace VSwitch.Daemon.Tests;

/// <summary>The built vswitchd and vswitchctl of the same configuration as this test assembly.</summary>
public static class Programs
{
    private static readonly Lazy<(string Daemon, string Ctl)> s_paths = new(Find);
    private static readonly Lazy<string> s_repository = new(() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Parent!.Parent!.Parent!.Parent!.FullName);

    /// <summary>The repository the tests were built in (for scripts and tools that live in it).</summary>
    public static string Repository => s_repository.Value;

    public static string Daemon => s_paths.Value.Daemon;

    public static string Ctl => s_paths.Value.Ctl;

    /// <summary>
    /// How to start <paramref name="program"/> (one of the dlls above) for a test that signals it: through
    /// <c>env --default-signal</c>, so every signal has its default disposition in the child. A signal ignored where the
    /// tests were launched (SIGINT and SIGQUIT for a job a non-interactive shell put in the background, SIGHUP under
    /// nohup) stays ignored across fork and exec, and .NET leaves an inherited SIG_IGN in place even when the program
    /// registers a handler, so a SIGINT would silently do nothing and the test would wait for an end that never comes.
    /// </summary>
    public static ProcessStartInfo Signalled(string program)
    {
        var start = new ProcessStartInfo("env")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add("--default-signal");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(program);
        return start;
    }

    private static (string, string) Find()
    {
        // AppContext.BaseDirectory is REPO/tests/VSwitch.Daemon.Tests/bin/CONFIG/TFM/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string tfm = output.Name;
        string configuration = output.Parent!.Name;
        string repo = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string daemon = Path.Combine(repo, "switch", "VSwitch.Daemon", "bin", configuration, tfm, "vswitchd.dll");
        string ctl = Path.Combine(repo, "cli", "VSwitch.Cli", "bin", configuration, tfm, "vswitchctl.dll");
        foreach (string p in new[] { daemon, ctl })
        {
            if (!File.Exists(p))
            {
                throw new FileNotFoundException("build the solution first; missing", p);
            }
        }
        return (daemon, ctl);
    }
}
