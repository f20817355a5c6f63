using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>One split virtqueue (VIRTIO 1.2 §2.7).</summary>
public sealed class SplitQueue
{
    /// <summary>Largest queue size a split ring may have (VIRTIO 1.2 §2.7).</summary>
    public const ushort MaxSize = 32768;

    /// <summary>Queue size; 0 until <see cref="TrySetSize"/>.</summary>
    public ushort Size { get; private set; }

    /// <summary>Guest-physical address of the descriptor table.</summary>
    public GuestAddress DescTable { get; private set; }

    /// <summary>Guest-physical address of the avail ring.</summary>
    public GuestAddress AvailRing { get; private set; }

    /// <summary>Guest-physical address of the used ring.</summary>
    public GuestAddress UsedRing { get; private set; }

    /// <summary>Guest-physical address used for dirty-logging used-ring writes, when requested.</summary>
    public GuestAddress? UsedLogAddress { get; private set; }

    /// <summary>Next avail ring index to read.</summary>
    public ushort NextAvail { get; private set; }

    /// <summary>Next used ring index to write.</summary>
    public ushort NextUsed { get; private set; }

    /// <summary>VIRTIO_F_EVENT_IDX negotiated.</summary>
    public bool EventIdx { get; set; }

    /// <summary>True once a driver violation was seen.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>Why the queue is broken.</summary>
    public ChainStatus BrokenReason { get; private set; }

    /// <summary>Sets the size.</summary>
    public bool TrySetSize(ushort size) => throw new NotImplementedException();

    /// <summary>Sets the ring addresses.</summary>
    public void SetAddresses(GuestAddress desc, GuestAddress avail, GuestAddress used, GuestAddress? usedLog) => throw new NotImplementedException();

    /// <summary>Validates ring placement.</summary>
    public bool TryValidate(GuestMemory memory) => throw new NotImplementedException();

    /// <summary>Ring positions.</summary>
    public SplitQueueState GetState() => throw new NotImplementedException();

    /// <summary>Restores ring positions.</summary>
    public void SetState(SplitQueueState state) => throw new NotImplementedException();

    /// <summary>Back to unconfigured.</summary>
    public void Reset() => throw new NotImplementedException();

    /// <summary>Suppresses kicks.</summary>
    public void DisableNotifications(GuestMemory memory) => throw new NotImplementedException();

    /// <summary>Re-enables kicks and re-checks.</summary>
    public bool EnableNotifications(GuestMemory memory) => throw new NotImplementedException();

    /// <summary>Whether the guest wants an interrupt.</summary>
    public bool NeedsNotification(GuestMemory memory) => throw new NotImplementedException();

    /// <summary>Number of available chains.</summary>
    public int AvailableCount(GuestMemory memory) => throw new NotImplementedException();
}
