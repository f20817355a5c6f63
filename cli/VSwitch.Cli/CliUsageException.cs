namespace VSwitch.Cli;

/// <summary>The command line is well-formed but cannot be used (e.g. a flow file that does not exist); exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
