using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace VSwitch.Control.Model;

/// <summary>
/// One port's persistent configuration. <see cref="Options"/> holds the type-specific options after the port
/// type filled in its defaults (e.g. the socket path), so a restart re-creates exactly the same port.
/// Immutable and thread-safe.
/// </summary>
/// <param name="Name">Unique name (<see cref="PortName"/> rules).</param>
/// <param name="Type">Registered port type, e.g. <c>vhostuser</c>.</param>
/// <param name="OfPort">OpenFlow port number, 1..<see cref="MaxOfPort"/>.</param>
/// <param name="Tag">Access VLAN 1..4095, or null for none (then the port is a trunk).</param>
/// <param name="Trunks">Normalised trunk VLAN list (<see cref="VlanList"/>), or null for all VLANs.</param>
/// <param name="Mtu">Requested MTU, or null for the type's default.</param>
/// <param name="Options">Type-specific options by key.</param>
public sealed record PortConfig(string Name, string Type, [property: JsonPropertyName("ofport")] int OfPort, int? Tag, string? Trunks, int? Mtu,
    ImmutableSortedDictionary<string, string> Options)
{
    /// <summary>Largest number a user port may have (OpenFlow 1.0 OFPP_MAX is 0xff00, which is reserved).</summary>
    public const int MaxOfPort = 0xfeff;

    /// <summary>Smallest MTU accepted (RFC 791: every IPv4 host must take 68-byte datagrams).</summary>
    public const int MinMtu = 68;

    /// <summary>Largest MTU accepted: a 9728-byte jumbo buffer less Ethernet, VLAN and virtio-net headers.</summary>
    public const int MaxMtu = 9702;

    /// <summary>The option value for <paramref name="key"/>, or null.</summary>
    public string? Option(string key) => Options.TryGetValue(key, out string? v) ? v : null;

    /// <summary>The first problem with this entry, or null.</summary>
    public string? FindProblem()
    {
        if (!PortName.IsValid(Name))
        {
            return $"name is not valid ({PortName.Rule})";
        }
        if (string.IsNullOrEmpty(Type))
        {
            return "type is missing";
        }
        if (OfPort is < 1 or > MaxOfPort)
        {
            return $"ofport {OfPort} is outside 1..{MaxOfPort}";
        }
        if (Tag is < 1 or > VlanList.MaxVlan)
        {
            return $"tag {Tag} is outside 1..{VlanList.MaxVlan}";
        }
        if (Tag is not null && Trunks is not null)
        {
            return "a port has a tag (access) or trunks, not both";
        }
        if (Trunks is not null && !VlanList.TryNormalize(Trunks, out _, out string? error))
        {
            return $"trunks: {error}";
        }
        if (Mtu is < MinMtu or > MaxMtu)
        {
            return $"mtu {Mtu} is outside {MinMtu}..{MaxMtu}";
        }
        return Options is null ? "options are missing" : null;
    }
}
