using System.Text.Json.Serialization;
using VSwitch.Control.Model;

namespace VSwitch.Control.Store;

/// <summary>
/// Source-generated JSON metadata for the config DB. Reading is strict (unknown members, missing members and
/// nulls in non-nullable members are errors), so a DB edited into an unexpected shape is refused, not guessed at.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UseStringEnumConverter = true,
    WriteIndented = true,
    MaxDepth = 16)]
[JsonSerializable(typeof(SwitchConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext
{
}
