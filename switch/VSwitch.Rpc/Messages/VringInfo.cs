namespace VSwitch.Rpc.Messages;

/// <summary>One virtqueue of a vhost-user port.</summary>
/// <param name="Index">Ring index (even = guest receive, odd = guest transmit).</param>
/// <param name="Size">Ring size (descriptors).</param>
/// <param name="Enabled">Enabled by the frontend (SET_VRING_ENABLE).</param>
/// <param name="Started">Kick received and addresses set: the datapath services it.</param>
/// <param name="Broken">Marked broken after hostile input; no longer serviced until the port resets.</param>
/// <param name="NextAvail">Next available-ring index the switch will read.</param>
/// <param name="NextUsed">Next used-ring index the switch will write.</param>
/// <param name="BrokenReason">Why the guest broke the ring, or null.</param>
public sealed record VringInfo(int Index, int Size, bool Enabled, bool Started, bool Broken, int NextAvail, int NextUsed, string? BrokenReason)
{
    /// <summary>The last SET_VRING_BASE value (where the front-end resumed: a migration destination), or null.</summary>
    public long? LastSetBase { get; init; }

    /// <summary>The last GET_VRING_BASE reply (where the ring stopped: a migration source), or null.</summary>
    public long? LastGetBase { get; init; }
}
