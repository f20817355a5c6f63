using System.Text.Json;
using System.Text.Json.Serialization;
using VSwitch.Rpc.Messages;

namespace VSwitch.Rpc;

/// <summary>
/// Source-generated System.Text.Json metadata for every message of the control protocol. Names are
/// snake_case. Reading is strict: unknown members, missing constructor parameters and nulls in
/// non-nullable members are errors, so a request is validated by deserialising it.
/// Thread-safe (the generated metadata is immutable).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = 16)]
[JsonSerializable(typeof(RpcRequest))]
[JsonSerializable(typeof(RpcResponse))]
[JsonSerializable(typeof(RpcError))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(EmptyResult))]
[JsonSerializable(typeof(PortNameParams))]
[JsonSerializable(typeof(AddPortParams))]
[JsonSerializable(typeof(SetPortParams))]
[JsonSerializable(typeof(PortSettings))]
[JsonSerializable(typeof(PortInfo))]
[JsonSerializable(typeof(ShowResult))]
[JsonSerializable(typeof(ListPortsResult))]
[JsonSerializable(typeof(SettingsInfo))]
[JsonSerializable(typeof(SetParams))]
[JsonSerializable(typeof(PortStatsParams))]
[JsonSerializable(typeof(PortStatsResult))]
[JsonSerializable(typeof(PortStatusResult))]
[JsonSerializable(typeof(FlowParams))]
[JsonSerializable(typeof(AddFlowsParams))]
[JsonSerializable(typeof(FlowChangeResult))]
[JsonSerializable(typeof(DumpFlowsResult))]
[JsonSerializable(typeof(GroupParams))]
[JsonSerializable(typeof(GroupChangeResult))]
[JsonSerializable(typeof(DumpGroupsResult))]
[JsonSerializable(typeof(FdbShowResult))]
[JsonSerializable(typeof(FdbFlushParams))]
[JsonSerializable(typeof(FdbFlushResult))]
[JsonSerializable(typeof(PmdStatsResult))]
[JsonSerializable(typeof(PmdRxqResult))]
[JsonSerializable(typeof(CaptureStartParams))]
[JsonSerializable(typeof(CaptureStartResult))]
[JsonSerializable(typeof(CaptureIdParams))]
[JsonSerializable(typeof(CaptureInfo))]
[JsonSerializable(typeof(CaptureListResult))]
[JsonSerializable(typeof(SetControllerParams))]
[JsonSerializable(typeof(SetFailModeParams))]
[JsonSerializable(typeof(ControllerResult))]
public sealed partial class RpcJsonContext : JsonSerializerContext
{
}
