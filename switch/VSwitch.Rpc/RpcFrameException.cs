namespace VSwitch.Rpc;

/// <summary>A frame on the control socket could not be read (<see cref="RpcFraming.ReadFrameAsync"/>).</summary>
public sealed class RpcFrameException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RpcFrameException(RpcFrameError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>What went wrong.</summary>
    public RpcFrameError Error { get; }
}
