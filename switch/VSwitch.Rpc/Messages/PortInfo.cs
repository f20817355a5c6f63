using System.Text.Json.Serialization;

namespace VSwitch.Rpc.Messages;

/// <summary>One port as show and add-port report it.</summary>
/// <param name="Name">The port's name.</param>
/// <param name="Type">Its type.</param>
/// <param name="OfPort">Its OpenFlow port number.</param>
/// <param name="State">"down", "waiting", "negotiating", "up" or "error".</param>
/// <param name="Socket">The vhost-user socket path, for socket-based types.</param>
/// <param name="Tag">Access VLAN, if any.</param>
/// <param name="Trunks">Trunk VLAN list, if any.</param>
/// <param name="Mtu">Requested MTU, if any.</param>
/// <param name="Options">All type-specific options after defaults were filled in.</param>
public sealed record PortInfo(string Name, string Type, [property: JsonPropertyName("ofport")] int OfPort, string State, string? Socket, int? Tag,
    string? Trunks, int? Mtu, Dictionary<string, string> Options);
