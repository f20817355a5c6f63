namespace VSwitch.VhostUser;

/// <summary>
/// How to run one vhost-user port. Immutable; every tunable has a documented default. Checked by
/// <see cref="VhostUserPort.Create"/>.
/// </summary>
public sealed record VhostUserPortOptions
{
    /// <summary>Default file mode of a server-mode socket: owner and group may connect (0660).</summary>
    public const UnixFileMode DefaultSocketMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>The port's unique name (in logs and status).</summary>
    public required string Name { get; init; }

    /// <summary>Absolute path of the unix socket (at most 107 bytes).</summary>
    public required string SocketPath { get; init; }

    /// <summary>Listen (server) or connect (client). Default server.</summary>
    public VhostUserMode Mode { get; init; } = VhostUserMode.Server;

    /// <summary>Queue pairs offered to the front-end (GET_QUEUE_NUM), 1..128. Default 8.</summary>
    public int MaxQueuePairs { get; init; } = 8;

    /// <summary>Mode bits of a server-mode socket file, applied before listening. Default 0660.</summary>
    public UnixFileMode SocketMode { get; init; } = DefaultSocketMode;

    /// <summary>Owner uid of a server-mode socket file, or -1 to keep the creating user.</summary>
    public int SocketOwner { get; init; } = -1;

    /// <summary>Group gid of a server-mode socket file, or -1 to keep the creating group.</summary>
    public int SocketGroup { get; init; } = -1;

    /// <summary>
    /// Received frames in one guest descriptor are lent to the datapath in place instead of copied (default true).
    /// Such packets stay valid until CompleteReceive.
    /// </summary>
    public bool ZeroCopy { get; init; } = true;

    /// <summary>MTU configured for the port (reported in status; the front-end's NET_SET_MTU wins once sent).</summary>
    public int? Mtu { get; init; }

    /// <summary>Client mode: pause between connect attempts. Default 1 s, as OVS and QEMU's <c>reconnect=1</c>.</summary>
    public TimeSpan ReconnectInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Packet buffers per receive queue (each one max-frame sized). Default 256: eight full batches in flight.</summary>
    public int RxPoolSize { get; init; } = 256;

    /// <summary>
    /// Offer checksum and TCP segmentation offload to the guest (VIRTIO_NET_F_CSUM, GUEST_CSUM, HOST_TSO4/6, GUEST_TSO4/6,
    /// HOST_ECN, GUEST_ECN). Default true. Off, the guest computes every checksum and sends and receives only frames of
    /// its MTU, as before offloads existed.
    /// </summary>
    public bool Offloads { get; init; } = true;

    /// <summary>
    /// Buffers of 64 KiB per receive queue for super-frames, when <see cref="Offloads"/> is on (about 4 MiB at the
    /// default 64: two full batches of super-frames in flight). At least one batch.
    /// </summary>
    public int LargeRxPoolSize { get; init; } = 64;

    /// <summary>
    /// How long the session waits for a datapath thread to let go of a ring before giving up on a change (the ring's
    /// memory and fds are then left in place rather than pulled from under it). Default 5 s.
    /// </summary>
    public TimeSpan QuiesceTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
