using System.Text.Json.Serialization;

namespace VSwitch.Rpc.Messages;

/// <summary>A port's user-settable settings as sent by the CLI; every field is optional.</summary>
/// <param name="OfPort">Requested OpenFlow port number (1..65279); the first free number when absent.</param>
/// <param name="Tag">Access VLAN (0..4095): frames enter untagged and are tagged with it.</param>
/// <param name="Trunks">Allowed VLANs of a trunk port, e.g. "10,20-30".</param>
/// <param name="Mtu">Requested MTU in bytes.</param>
/// <param name="Options">Type-specific options, e.g. "socket", "socket-mode", "socket-owner", "socket-group".</param>
public sealed record PortSettings([property: JsonPropertyName("ofport")] int? OfPort, int? Tag, string? Trunks, int? Mtu, Dictionary<string, string>? Options);
