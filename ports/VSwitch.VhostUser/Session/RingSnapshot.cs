using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// Everything a datapath thread needs to work on one running ring, published by the session with
/// <see cref="Volatile.Write{T}(ref T, T)"/> and read once per batch. Immutable; a new one replaces it whenever memory,
/// the dirty log, negotiated features (header size, mergeable buffers, offloads) or the call fd change. Null in <see cref="Vring.Snapshot"/> means "do not touch
/// the ring" (stopped or disabled).
/// </summary>
/// <param name="Memory">The guest memory snapshot the ring lives in.</param>
/// <param name="Log">The dirty log while LOG_ALL is negotiated and a log is set; else null.</param>
/// <param name="CallFd">The call eventfd to signal, or -1 when the front-end polls.</param>
/// <param name="HeaderSize">virtio-net header bytes (10 or 12).</param>
/// <param name="Mergeable">VIRTIO_NET_F_MRG_RXBUF negotiated.</param>
/// <param name="ZeroCopy">Lend guest memory to received packets when a frame is in one descriptor.</param>
/// <param name="Pool">Buffers for received packets (guest transmit rings only).</param>
/// <param name="FaultWord">
/// The port's <see cref="Memory.GuestFaultFlag"/> address: once set, a mapping behind <paramref name="Memory"/> or
/// <paramref name="Log"/> lost pages and the datapath must leave the ring alone (checked once per batch).
/// </param>
internal sealed record RingSnapshot(
    GuestMemory Memory, DirtyLog? Log, int CallFd, int HeaderSize, bool Mergeable, bool ZeroCopy, PacketPool? Pool, nint FaultWord)
{
    /// <summary>Buffers for received frames larger than one of <see cref="Pool"/> (guest transmit rings with offloads on), or null.</summary>
    public PacketPool? LargePool { get; init; }

    /// <summary>What the driver may ask in the headers of its transmit chains (CSUM, HOST_TSO4/6, HOST_ECN acked).</summary>
    public PortOffloads FromDriver { get; init; }

    /// <summary>What the driver takes in the headers of its receive buffers (GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN acked).</summary>
    public PortOffloads ToDriver { get; init; }
}
