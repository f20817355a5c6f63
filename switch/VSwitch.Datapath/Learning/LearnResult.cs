namespace VSwitch.Datapath.Learning;

/// <summary>What <see cref="MacLearningTable.Learn(ushort, VSwitch.Core.Net.MacAddress, VSwitch.Core.Ports.PortId, long)"/> did.</summary>
public enum LearnResult : byte
{
    /// <summary>The address was already known on this port and was refreshed recently; nothing written.</summary>
    Unchanged,

    /// <summary>The address was known on this port; its last-seen time was updated.</summary>
    Refreshed,

    /// <summary>A new entry was created (or an aged one revived).</summary>
    Learned,

    /// <summary>The address was known on another port and now points at this one.</summary>
    Moved,

    /// <summary>Not learnt: the source address is multicast.</summary>
    Refused,

    /// <summary>Not learnt this time: another thread was writing the same slot (the next packet retries).</summary>
    Skipped,
}
