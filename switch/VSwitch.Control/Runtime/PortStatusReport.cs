using VSwitch.Core.Ports;

namespace VSwitch.Control.Runtime;

/// <summary>
/// A port's connection and device state as its port type reports it (or as the runtime reports a port that could not
/// be created). The port's name, type and number come from its configuration, not from here. Immutable.
/// </summary>
/// <param name="State">Where the port is in its life; <see cref="PortState.Error"/> when it could not be created.</param>
/// <param name="Connection">The type's own connection state (e.g. "listening (connections so far: 0)"), if it has one.</param>
/// <param name="Socket">The unix socket, for socket-based types.</param>
/// <param name="Mtu">MTU in effect, if known.</param>
/// <param name="QueuePairs">Queue pairs in use.</param>
/// <param name="LastError">Why the port last failed or was reset, or null.</param>
public sealed record PortStatusReport(PortState State, string? Connection, string? Socket, int? Mtu, int QueuePairs, string? LastError)
{
    /// <summary>Negotiated virtio feature names, for virtio-based types.</summary>
    public IReadOnlyList<string> VirtioFeatures { get; init; } = [];

    /// <summary>Negotiated vhost-user protocol feature names.</summary>
    public IReadOnlyList<string> ProtocolFeatures { get; init; } = [];

    /// <summary>Per-ring state, for virtio-based types.</summary>
    public IReadOnlyList<VringStatus> Vrings { get; init; } = [];

    /// <summary>Type-specific details in display order (e.g. a tap's interface, ifindex and flags), or null for none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Details { get; init; }
}
