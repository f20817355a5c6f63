using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.Virtio.Net;

/// <summary>Switch to guest: fills the guest's receive queue.</summary>
public sealed class VirtioNetTx
{
    /// <summary>Creates a transmitter over <paramref name="queue"/>.</summary>
    public VirtioNetTx(SplitQueue queue) => Queue = queue;

    /// <summary>The guest's receive queue.</summary>
    public SplitQueue Queue { get; }

    /// <summary>Sends packets.</summary>
    public bool Send(GuestMemory memory, PacketBatch batch, bool mergeable, int headerSize, DirtyLog? log, QueueStats stats) =>
        throw new NotImplementedException();
}
