namespace VSwitch.OpenFlow.Messages;

/// <summary>FLOW_MOD flags (<c>enum ofp_flow_mod_flags</c>, OpenFlow 1.3.5 §7.3.4.2).</summary>
[Flags]
public enum FlowModFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Send FLOW_REMOVED when the flow expires or is deleted.</summary>
    SendFlowRem = 1,
    /// <summary>Refuse an ADD that overlaps an entry of the same priority.</summary>
    CheckOverlap = 2,
    /// <summary>Reset the counters on modify.</summary>
    ResetCounts = 4,
    /// <summary>Packet counts need not be kept.</summary>
    NoPktCounts = 8,
    /// <summary>Byte counts need not be kept.</summary>
    NoBytCounts = 16,
}
