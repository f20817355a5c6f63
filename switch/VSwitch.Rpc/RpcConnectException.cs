namespace VSwitch.Rpc;

/// <summary>The control socket could not be reached: vswitchd is not running, or runs with another run directory.</summary>
public sealed class RpcConnectException : IOException
{
    /// <summary>Creates the exception for <paramref name="socketPath"/>; the message reads "cannot connect to vswitchd at PATH (reason)".</summary>
    public RpcConnectException(string socketPath, string reason, Exception? inner = null)
        : base($"cannot connect to vswitchd at {socketPath} ({reason})", inner)
    {
        SocketPath = socketPath;
    }

    /// <summary>The control socket path that was tried.</summary>
    public string SocketPath { get; }
}
