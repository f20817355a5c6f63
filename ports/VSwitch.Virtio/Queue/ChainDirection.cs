namespace VSwitch.Virtio.Queue;

/// <summary>
/// Which buffers a chain may hold, seen from the device: the general rule of VIRTIO 1.2 §2.7.4.2 (readable elements
/// first, then writable ones), or a queue whose device role allows one direction only, as each virtio-net queue does.
/// </summary>
public enum ChainDirection : byte
{
    /// <summary>Device-readable elements, then device-writable ones (VIRTIO 1.2 §2.7.4.2).</summary>
    ReadableThenWritable,

    /// <summary>Device-readable elements only: a queue the device only reads, like virtio-net's transmitq (VIRTIO 1.2 §5.1.6.2).</summary>
    ReadableOnly,

    /// <summary>
    /// Device-writable elements only: a queue the device only fills, like virtio-net's receiveq (VIRTIO 1.2 §5.1.6.3),
    /// where a readable buffer is one the device must not write (§2.7.5.1).
    /// </summary>
    WritableOnly,
}
