using VSwitch.Core.Ports;

namespace VSwitch.VhostUser;

/// <summary>One vring as <c>port-status</c> shows it.</summary>
public sealed record VringStatus(int Index, int Size, bool Enabled, bool Started, bool Running, string? BrokenReason, int NextAvail, int NextUsed, bool HasKick, bool KickPolling, bool HasCall);

/// <summary>A snapshot of a vhost-user port for <c>port-status</c> (control plane; allocates).</summary>
public sealed record VhostUserPortStatus
{
    /// <summary>Port name.</summary>
    public required string Name { get; init; }

    /// <summary>Life-cycle state.</summary>
    public required PortState State { get; init; }

    /// <summary>Socket mode.</summary>
    public required VhostUserMode Mode { get; init; }

    /// <summary>Socket path.</summary>
    public required string SocketPath { get; init; }

    /// <summary>Acked virtio feature bits.</summary>
    public required ulong AckedFeatureBits { get; init; }

    /// <summary>Acked virtio features by name.</summary>
    public required IReadOnlyList<string> AckedFeatures { get; init; }

    /// <summary>Acked protocol features by name.</summary>
    public required IReadOnlyList<string> ProtocolFeatures { get; init; }

    /// <summary>MTU (from NET_SET_MTU, else the configured one).</summary>
    public int? Mtu { get; init; }

    /// <summary>Queue pairs with running rings.</summary>
    public required int QueuePairs { get; init; }

    /// <summary>Device status byte from SET_STATUS.</summary>
    public required byte DeviceStatus { get; init; }

    /// <summary>Every vring that has been configured.</summary>
    public required IReadOnlyList<VringStatus> Rings { get; init; }

    /// <summary>Guest memory regions mapped.</summary>
    public required int MemoryRegions { get; init; }

    /// <summary>Times a front-end connected.</summary>
    public required int ConnectCount { get; init; }

    /// <summary>The last error that reset the session, if any.</summary>
    public string? LastError { get; init; }

    /// <summary>MAC from the last SEND_RARP, if any.</summary>
    public string? RarpMac { get; init; }

    /// <summary>True when dirty-page logging is active (LOG_ALL acked and a log mapped).</summary>
    public bool Logging { get; init; }
}
