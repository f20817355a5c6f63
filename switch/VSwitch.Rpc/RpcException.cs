namespace VSwitch.Rpc;

/// <summary>The daemon answered a call with an error (see <see cref="Code"/>); the message is the daemon's one line.</summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates the exception from an error response.</summary>
    public RpcException(int code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>One of <see cref="RpcErrorCodes"/>.</summary>
    public int Code { get; }
}
