using System.Text.Json.Serialization;

namespace VSwitch.Rpc.Messages;

/// <summary>The result of port-status: a port's connection state machine and negotiated device state.</summary>
/// <param name="Name">Port name.</param>
/// <param name="Type">Port type.</param>
/// <param name="OfPort">OpenFlow number.</param>
/// <param name="State">"down", "waiting", "negotiating", "up" or "error".</param>
/// <param name="Connection">The type's own connection state (e.g. "listening", "connected", "reconnecting"), if it has one.</param>
/// <param name="Socket">Socket path, for socket-based types.</param>
/// <param name="Mtu">MTU in effect, if known.</param>
/// <param name="QueuePairs">Queue pairs in use.</param>
/// <param name="VirtioFeatures">Negotiated virtio feature bits (hex), for virtio-based types.</param>
/// <param name="VirtioFeatureNames">The same, by name.</param>
/// <param name="ProtocolFeatures">Negotiated vhost-user protocol feature bits (hex).</param>
/// <param name="ProtocolFeatureNames">The same, by name.</param>
/// <param name="Vrings">Per-ring state.</param>
/// <param name="LastError">Why the port last failed or was reset, or null.</param>
public sealed record PortStatusResult(string Name, string Type, [property: JsonPropertyName("ofport")] int OfPort, string State, string? Connection, string? Socket,
    int? Mtu, int QueuePairs, string? VirtioFeatures, string[] VirtioFeatureNames, string? ProtocolFeatures,
    string[] ProtocolFeatureNames, VringInfo[] Vrings, string? LastError)
{
    /// <summary>Type-specific details in display order (e.g. a tap's interface, ifindex and flags), or null.</summary>
    public PortDetail[]? Details { get; init; }
}
