using VSwitch.Core.Net;
using VSwitch.Core.Ports;

namespace VSwitch.VhostUser;

/// <summary>
/// A point-in-time view of a vhost-user port for the CLI (<c>port-status</c>). Values read from running rings may be
/// one batch old. Immutable.
/// </summary>
/// <param name="Name">Port name.</param>
/// <param name="State">Link state.</param>
/// <param name="Mode">Server or client socket mode.</param>
/// <param name="SocketPath">The unix socket.</param>
/// <param name="AckedFeatures">Virtio features the front-end acked, by spec name (e.g. <c>MrgRxbuf</c>).</param>
/// <param name="AckedProtocolFeatures">vhost-user protocol features acked, by spec name (e.g. <c>ReplyAck</c>).</param>
/// <param name="Mtu">MTU from NET_SET_MTU, else the configured one, else null.</param>
/// <param name="QueuePairs">Queue pairs in use (1 + the highest pair with a running ring).</param>
/// <param name="MaxQueuePairs">Queue pairs offered.</param>
/// <param name="MemoryRegions">Guest memory regions mapped.</param>
/// <param name="DeviceStatus">Virtio device status byte (SET_STATUS).</param>
/// <param name="Rings">Every configured or running ring.</param>
/// <param name="LastError">Why the last session ended or the last request failed, if it did.</param>
/// <param name="ConnectCount">Front-end connections so far.</param>
/// <param name="RarpMac">MAC of the last SEND_RARP, if any.</param>
public sealed record VhostUserPortStatus(
    string Name,
    PortState State,
    VhostUserMode Mode,
    string SocketPath,
    IReadOnlyList<string> AckedFeatures,
    IReadOnlyList<string> AckedProtocolFeatures,
    int? Mtu,
    int QueuePairs,
    int MaxQueuePairs,
    int MemoryRegions,
    byte DeviceStatus,
    IReadOnlyList<VhostUserRingStatus> Rings,
    string? LastError,
    int ConnectCount,
    MacAddress? RarpMac)
{
    /// <summary>The mapped guest memory regions: where, how large, what file backs each and whether it is sealed.</summary>
    public IReadOnlyList<VhostUserRegionStatus> Regions { get; init; } = [];

    /// <summary>True when the port offers checksum and segmentation offloads (the <c>Offloads</c> option).</summary>
    public bool OffloadsOffered { get; init; }

    /// <summary>What the guest's transmit headers may ask of the switch (CSUM, HOST_TSO4/6, HOST_ECN acked).</summary>
    public PortOffloads RxOffloads { get; init; }

    /// <summary>What frames sent to the guest may leave to it (GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN acked).</summary>
    public PortOffloads TxOffloads { get; init; }

    /// <summary>SEND_RARP requests received since the port was created.</summary>
    public long RarpRequested { get; init; }

    /// <summary>
    /// RARP announcements the port sent into the switch since it was created (one per request, unless a newer request
    /// replaced one before queue pair 0's guest transmit ring ran, or the front-end left first).
    /// </summary>
    public long RarpSent { get; init; }

    /// <summary>Dirty logging runs (live migration): LOG_ALL acked and a log set with SET_LOG_BASE.</summary>
    public bool DirtyLogging { get; init; }

    /// <summary>Size in bytes of the dirty log set now (0 when none); it covers 32 KiB of guest memory per byte.</summary>
    public ulong DirtyLogBytes { get; init; }

    /// <summary>
    /// Pages the switch marked dirty since the port was created (each bit it found clear and set; the front-end clears
    /// bits as it copies pages, so a page rewritten later counts again).
    /// </summary>
    public long DirtyPagesMarked { get; init; }

    /// <summary>Pages written beyond the end of the log set at the time, and so not marked (a log too small for the memory).</summary>
    public long DirtyPagesBeyondLog { get; init; }
}
