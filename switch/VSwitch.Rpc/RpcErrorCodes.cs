namespace VSwitch.Rpc;

/// <summary>
/// Error codes carried in <see cref="RpcError.Code"/>: the JSON-RPC 2.0 reserved codes (§5.1 of the
/// specification) and this daemon's own codes in the implementation-defined range -32000..-32099.
/// </summary>
public static class RpcErrorCodes
{
    /// <summary>JSON-RPC 2.0: the request was not valid JSON.</summary>
    public const int ParseError = -32700;

    /// <summary>JSON-RPC 2.0: the JSON was not a valid request object.</summary>
    public const int InvalidRequest = -32600;

    /// <summary>JSON-RPC 2.0: no such method.</summary>
    public const int MethodNotFound = -32601;

    /// <summary>JSON-RPC 2.0: the parameters were missing or invalid (bad option, value out of range).</summary>
    public const int InvalidParams = -32602;

    /// <summary>JSON-RPC 2.0: the daemon failed for a reason of its own (an OS error, a bug).</summary>
    public const int InternalError = -32603;

    /// <summary>A named object (port, setting) does not exist.</summary>
    public const int NotFound = -32001;

    /// <summary>A name or number is already in use.</summary>
    public const int AlreadyExists = -32002;

    /// <summary>A flow or action text did not parse; the message names the offending token.</summary>
    public const int BadFlow = -32003;

    /// <summary>The feature is not available in this daemon (e.g. a port type that is not built in).</summary>
    public const int Unavailable = -32004;
}
