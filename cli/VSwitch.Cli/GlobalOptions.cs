using System.CommandLine;

namespace VSwitch.Cli;

/// <summary>Options every command takes: where the daemon is, how to print, how long to wait.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> RunDir { get; } = new("--run-dir")
    {
        Description = "vswitchd's run directory (default: $VSWITCH_RUN_DIR, else /run/vswitch); the control socket is RUN_DIR/vswitchd.ctl",
        HelpName = "DIR",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the result as JSON (for scripts) instead of a table",
        Recursive = true,
    };

    public Option<int> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for vswitchd's answer",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 30,
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(RunDir);
        root.Add(Json);
        root.Add(Timeout);
    }
}
