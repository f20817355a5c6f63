namespace VSwitch.VhostUser;

/// <summary>One vring in <see cref="VhostUserPortStatus"/>.</summary>
/// <param name="Index">Vring index (2q: guest receive queue of pair q, 2q+1: guest transmit queue).</param>
/// <param name="Size">Queue size (0 when not set).</param>
/// <param name="Enabled">SET_VRING_ENABLE state.</param>
/// <param name="Started">Kick received and addresses validated; not stopped since.</param>
/// <param name="Running">Started, enabled and handed to the datapath.</param>
/// <param name="BrokenReason">Why the guest broke the ring, or null.</param>
/// <param name="NextAvail">Next avail index the switch reads.</param>
/// <param name="NextUsed">Next used index the switch writes.</param>
/// <param name="HasKick">A kick eventfd is set (false when polling).</param>
/// <param name="HasCall">A call eventfd is set.</param>
public sealed record VhostUserRingStatus(
    int Index,
    int Size,
    bool Enabled,
    bool Started,
    bool Running,
    string? BrokenReason,
    int NextAvail,
    int NextUsed,
    bool HasKick,
    bool HasCall)
{
    /// <summary>Guest notifications that failed on this ring since the port was created (call eventfd full or broken).</summary>
    public long CallFailures { get; init; }

    /// <summary>
    /// The ring layout: "split" (VIRTIO 1.2 §2.7) or "packed" (§2.8, VIRTIO_F_RING_PACKED acked when the ring started).
    /// On a packed ring <see cref="NextAvail"/> and <see cref="NextUsed"/> are slots (their wrap counters are not shown).
    /// </summary>
    public string Layout { get; init; } = "split";

    /// <summary>The last SET_VRING_BASE value on this ring since the port was created (where a front-end resumed), or null.</summary>
    public long? LastSetBase { get; init; }

    /// <summary>The last GET_VRING_BASE reply on this ring since the port was created (where it stopped), or null.</summary>
    public long? LastGetBase { get; init; }
}
