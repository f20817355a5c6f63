namespace VSwitch.VhostUser;

/// <summary>How a vhost-user port is set up. Immutable once the port is created.</summary>
public sealed record VhostUserPortOptions
{
    /// <summary>Port name (logs, status).</summary>
    public required string Name { get; init; }

    /// <summary>The unix socket path.</summary>
    public required string SocketPath { get; init; }

    /// <summary>Server (switch listens) or client (switch connects).</summary>
    public VhostUserMode Mode { get; init; } = VhostUserMode.Server;

    /// <summary>Queue pairs offered (GET_QUEUE_NUM).</summary>
    public int MaxQueuePairs { get; init; } = 8;

    /// <summary>Permissions of a server socket file.</summary>
    public uint SocketMode { get; init; } = Convert.ToUInt32("660", 8);

    /// <summary>Owner uid of a server socket file, or -1 to leave it.</summary>
    public int SocketOwner { get; init; } = -1;

    /// <summary>Group gid of a server socket file, or -1 to leave it.</summary>
    public int SocketGroup { get; init; } = -1;

    /// <summary>Lend guest transmit buffers to the datapath instead of copying them (one copy guest to guest).</summary>
    public bool ZeroCopy { get; init; } = true;

    /// <summary>MTU configured by the user (reported; NET_SET_MTU from the front-end overrides what is reported).</summary>
    public int? Mtu { get; init; }

    /// <summary>Client mode: pause between connection attempts.</summary>
    public TimeSpan ReconnectInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Packet buffers per receive queue (copies of chained frames, shells of lent ones).</summary>
    public int BuffersPerQueue { get; init; } = 512;
}
