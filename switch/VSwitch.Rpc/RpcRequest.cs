using System.Text.Json;
using System.Text.Json.Serialization;

namespace VSwitch.Rpc;

/// <summary>
/// A JSON-RPC 2.0 request object (§4 of the specification). <see cref="Params"/> is kept as raw JSON so the
/// server can validate it against the method's own parameter type. Immutable.
/// </summary>
/// <param name="Jsonrpc">Must be exactly "2.0".</param>
/// <param name="Id">Correlates the response; this protocol uses integers and has no notifications.</param>
/// <param name="Method">One of <see cref="RpcMethods"/>.</param>
/// <param name="Params">The method's parameter object, or absent.</param>
public sealed record RpcRequest(
    string? Jsonrpc,
    long? Id,
    string? Method,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Params = null)
{
    /// <summary>The protocol version string.</summary>
    public const string Version = "2.0";
}
