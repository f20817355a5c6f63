namespace VSwitch.Flows.Rules;

/// <summary>Flags of a flow that outlive the request that set them (OpenFlow 1.3.5 §7.3.4.2 <c>ofp_flow_mod_flags</c>).</summary>
[Flags]
public enum FlowFlags : ushort
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary><c>send_flow_rem</c>: tell the controllers (FLOW_REMOVED) when the flow expires or is deleted.</summary>
    SendFlowRemoved = 1,

    /// <summary><c>no_packet_counts</c>: the controller does not need packet counts (they are kept anyway).</summary>
    NoPacketCounts = 8,

    /// <summary><c>no_byte_counts</c>: the controller does not need byte counts (they are kept anyway).</summary>
    NoByteCounts = 16,
}
