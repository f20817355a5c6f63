using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Virtio.Net;

/// <summary>
/// Where the packets of one receive call go and what their headers may ask: the pool, the large pool for frames larger
/// than a buffer of the pool (null: such frames are dropped as too large), and the offloads the driver negotiated.
/// Built once per receive call on the stack.
/// </summary>
internal readonly struct RxTarget(PacketPool pool, PacketPool? largePool, PortOffloads accepted)
{
    /// <summary>Buffers for ordinary frames.</summary>
    public PacketPool Pool { get; } = pool;

    /// <summary>Buffers for frames larger than one of <see cref="Pool"/>, or null.</summary>
    public PacketPool? LargePool { get; } = largePool;

    /// <summary>What the driver may ask in its virtio-net headers (<see cref="VirtioNetOffloads.FromDriver"/>).</summary>
    public PortOffloads Accepted { get; } = accepted;
}
