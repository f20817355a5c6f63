using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.Virtio.Net;

/// <summary>Guest to switch: turns the guest's transmit-queue chains into packets.</summary>
public sealed class VirtioNetRx
{
    /// <summary>Creates a receiver over <paramref name="queue"/>.</summary>
    public VirtioNetRx(SplitQueue queue) => Queue = queue;

    /// <summary>The guest's transmit queue.</summary>
    public SplitQueue Queue { get; }

    /// <summary>Heads popped but not yet returned.</summary>
    public int HeldCount { get; private set; }

    /// <summary>Receives packets.</summary>
    public int Receive(GuestMemory memory, PacketBatch batch, PacketPool pool, int headerSize, bool zeroCopy, QueueStats stats) =>
        throw new NotImplementedException();

    /// <summary>Returns held heads.</summary>
    public bool Complete(GuestMemory memory, DirtyLog? log) => throw new NotImplementedException();
}
