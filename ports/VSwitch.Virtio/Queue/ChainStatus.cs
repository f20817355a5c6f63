namespace VSwitch.Virtio.Queue;

/// <summary>
/// Outcome of one step of a <see cref="DescriptorChainWalker"/> or of a ring check. Everything other than
/// <see cref="Ok"/> and <see cref="End"/> is a driver violation that marks the queue broken.
/// </summary>
public enum ChainStatus
{
    /// <summary>A descriptor was produced.</summary>
    Ok,

    /// <summary>The chain has no more descriptors.</summary>
    End,

    /// <summary>More descriptors than the table holds were visited: the chain loops (VIRTIO 1.2 §2.7.5.2).</summary>
    Loop,

    /// <summary>A descriptor, indirect table or ring area lies (partly) outside guest memory.</summary>
    OutOfRange,

    /// <summary>An indirect descriptor is malformed: nested, combined with NEXT, or a table length not a non-zero multiple of 16 (VIRTIO 1.2 §2.7.5.3.1).</summary>
    BadIndirect,

    /// <summary>The chain's total length exceeds 2^32 bytes (VIRTIO 1.2 §2.7.5.2), or one descriptor is too large to address.</summary>
    TooLong,

    /// <summary>A head or next index is not inside the descriptor table.</summary>
    BadHead,

    /// <summary>The avail index moved ahead of the device by more than the queue size (VIRTIO 1.2 §2.7.6).</summary>
    AvailIndexJump,

    /// <summary>
    /// A packed ring started at a position the driver has already passed: the descriptor there is marked used for the
    /// device's current lap, which no correct stop/start can produce (a front-end resuming with a stale base after a
    /// back-end restart; a packed ring keeps no used index to resynchronise from).
    /// </summary>
    StalePosition,

    /// <summary>A descriptor has the wrong direction for where it sits (readable after writable, VIRTIO 1.2 §2.7.4.2; or a direction the queue's device role forbids).</summary>
    WrongDirection,
}
