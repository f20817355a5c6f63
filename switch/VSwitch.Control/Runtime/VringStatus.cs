namespace VSwitch.Control.Runtime;

/// <summary>One virtqueue of a virtio-based port. Immutable.</summary>
/// <param name="Index">Ring index (even = guest receive, odd = guest transmit).</param>
/// <param name="Size">Ring size (descriptors).</param>
/// <param name="Enabled">Enabled by the front-end.</param>
/// <param name="Started">Kick received and addresses set: the datapath services it.</param>
/// <param name="NextAvail">Next available-ring index the switch will read.</param>
/// <param name="NextUsed">Next used-ring index the switch will write.</param>
/// <param name="BrokenReason">Why the guest broke the ring (it is no longer serviced until the port resets), or null.</param>
public sealed record VringStatus(int Index, int Size, bool Enabled, bool Started, int NextAvail, int NextUsed, string? BrokenReason)
{
    /// <summary>The last base the front-end set (SET_VRING_BASE: where it resumed), or null.</summary>
    public long? LastSetBase { get; init; }

    /// <summary>The last base handed to the front-end (GET_VRING_BASE: where the ring stopped), or null.</summary>
    public long? LastGetBase { get; init; }
}
