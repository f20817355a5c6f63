namespace VSwitch.Cli;

/// <summary>vswitchctl's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Ok = 0;

    /// <summary>vswitchd refused the request (unknown port, bad flow, name in use, ...).</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>vswitchd could not be reached or stopped answering.</summary>
    public const int Unreachable = 3;
}
