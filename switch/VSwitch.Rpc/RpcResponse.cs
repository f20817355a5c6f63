using System.Text.Json;
using System.Text.Json.Serialization;

namespace VSwitch.Rpc;

/// <summary>
/// A JSON-RPC 2.0 response object (§5): exactly one of <see cref="Result"/> and <see cref="Error"/> is present.
/// Immutable.
/// </summary>
/// <param name="Jsonrpc">"2.0".</param>
/// <param name="Id">The request's id, or null when the request could not be read far enough to know it.</param>
/// <param name="Result">The method's result object on success.</param>
/// <param name="Error">The error on failure.</param>
public sealed record RpcResponse(
    string Jsonrpc,
    long? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Result = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RpcError? Error = null);
