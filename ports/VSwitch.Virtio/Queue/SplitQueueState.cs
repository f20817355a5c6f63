namespace VSwitch.Virtio.Queue;

/// <summary>
/// The ring positions of a split virtqueue as plain data: what <c>GET_VRING_BASE</c> reports and
/// <c>SET_VRING_BASE</c> restores, and what a save/restore carries (rust-vmm <c>QueueState</c>).
/// </summary>
/// <param name="NextAvail">Index of the next avail ring entry the device will read (free-running, mod 2^16).</param>
/// <param name="NextUsed">Index of the next used ring entry the device will write (free-running, mod 2^16).</param>
public readonly record struct SplitQueueState(ushort NextAvail, ushort NextUsed);
