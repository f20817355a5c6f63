namespace VSwitch.Cli.Tests;

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

    private static (string, string) Find()
    {
        // AppContext.BaseDirectory is REPO/tests/VSwitch.Cli.Tests/bin/CONFIG/TFM/
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
