namespace VSwitch.Control.Store;

/// <summary>
/// The config DB exists but cannot be used (not JSON, wrong shape, inconsistent content). vswitchd refuses to
/// start rather than overwrite it: the file is left exactly as found for a person to inspect.
/// </summary>
public sealed class CorruptConfigException : Exception
{
    /// <summary>Creates the exception; the message names the file and the problem.</summary>
    public CorruptConfigException(string path, string problem, Exception? inner = null)
        : base($"the config DB {path} is corrupt: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The DB file.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
