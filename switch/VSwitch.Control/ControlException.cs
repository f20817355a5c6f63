using VSwitch.Rpc;

namespace VSwitch.Control;

/// <summary>
/// A request cannot be carried out for a reason the user can fix (unknown port, name in use, bad option, bad
/// flow). Carries the JSON-RPC error code (<see cref="RpcErrorCodes"/>) and one clear line; the RPC boundary
/// turns it into an error response and the connection stays open.
/// </summary>
public sealed class ControlException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ControlException(int code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    /// <summary>One of <see cref="RpcErrorCodes"/>.</summary>
    public int Code { get; }

    /// <summary>"no port named 'NAME'".</summary>
    public static ControlException NoSuchPort(string name) => new(RpcErrorCodes.NotFound, $"no port named '{name}'");

    /// <summary>An invalid parameter, with the message as given.</summary>
    public static ControlException Invalid(string message) => new(RpcErrorCodes.InvalidParams, message);
}
