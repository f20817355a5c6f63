namespace VSwitch.Rpc;

/// <summary>A JSON-RPC 2.0 error object (§5.1): a code from <see cref="RpcErrorCodes"/> and one clear line of text.</summary>
/// <param name="Code">The error code.</param>
/// <param name="Message">One line saying what failed and why, fit to show a user as is.</param>
public sealed record RpcError(int Code, string Message);
