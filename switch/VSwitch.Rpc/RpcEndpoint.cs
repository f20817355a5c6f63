namespace VSwitch.Rpc;

/// <summary>Where the control socket lives: <c>RUN_DIR/vswitchd.ctl</c>, shared by vswitchd and vswitchctl.</summary>
public static class RpcEndpoint
{
    /// <summary>File name of the control socket inside the run directory.</summary>
    public const string SocketFileName = "vswitchd.ctl";

    /// <summary>The run directory when neither an option nor the environment names one.</summary>
    public const string DefaultRunDirectory = "/run/vswitch";

    /// <summary>Environment variable naming the run directory.</summary>
    public const string RunDirectoryVariable = "VSWITCH_RUN_DIR";

    /// <summary>The run directory: <paramref name="option"/> if given, else <c>VSWITCH_RUN_DIR</c>, else <c>/run/vswitch</c>.</summary>
    public static string ResolveRunDirectory(string? option)
    {
        if (!string.IsNullOrEmpty(option))
        {
            return option;
        }
        string? fromEnvironment = Environment.GetEnvironmentVariable(RunDirectoryVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? DefaultRunDirectory : fromEnvironment;
    }

    /// <summary>The control socket path inside <paramref name="runDirectory"/>.</summary>
    public static string SocketPath(string runDirectory) => Path.Combine(runDirectory, SocketFileName);
}
