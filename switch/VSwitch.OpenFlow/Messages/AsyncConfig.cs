namespace VSwitch.OpenFlow.Messages;

/// <summary>
/// Which async messages a connection receives (<c>struct ofp_async_config</c>, OpenFlow 1.3.5 §7.3.10): one bit per
/// reason, one mask for the master and equal roles and one for the slave role.
/// </summary>
/// <param name="PacketInMaster">PACKET_IN reasons (bit = 1 &lt;&lt; reason) for master and equal.</param>
/// <param name="PacketInSlave">PACKET_IN reasons for slave.</param>
/// <param name="PortStatusMaster">PORT_STATUS reasons for master and equal.</param>
/// <param name="PortStatusSlave">PORT_STATUS reasons for slave.</param>
/// <param name="FlowRemovedMaster">FLOW_REMOVED reasons for master and equal.</param>
/// <param name="FlowRemovedSlave">FLOW_REMOVED reasons for slave.</param>
public sealed record AsyncConfig(uint PacketInMaster, uint PacketInSlave, uint PortStatusMaster, uint PortStatusSlave,
    uint FlowRemovedMaster, uint FlowRemovedSlave)
{
    /// <summary>
    /// The defaults of OpenFlow 1.3.5 §6.1.1 as OVS applies them: master and equal get packet-ins for no-match and
    /// action, every port status and every flow removed; slave gets port status only.
    /// </summary>
    public static AsyncConfig Default { get; } = new(
        (1u << (int)PacketInReason.NoMatch) | (1u << (int)PacketInReason.Action), 0,
        0b111, 0b111,
        0b1111, 0);

    /// <summary>True when a connection of <paramref name="role"/> wants a PACKET_IN for <paramref name="reason"/>.</summary>
    public bool WantsPacketIn(ControllerRole role, PacketInReason reason) =>
        ((role == ControllerRole.Slave ? PacketInSlave : PacketInMaster) & (1u << (int)reason)) != 0;

    /// <summary>True when a connection of <paramref name="role"/> wants a PORT_STATUS for <paramref name="reason"/>.</summary>
    public bool WantsPortStatus(ControllerRole role, PortStatusReason reason) =>
        ((role == ControllerRole.Slave ? PortStatusSlave : PortStatusMaster) & (1u << (int)reason)) != 0;

    /// <summary>True when a connection of <paramref name="role"/> wants a FLOW_REMOVED for <paramref name="reason"/>.</summary>
    public bool WantsFlowRemoved(ControllerRole role, FlowRemovedReason reason) =>
        ((role == ControllerRole.Slave ? FlowRemovedSlave : FlowRemovedMaster) & (1u << (int)reason)) != 0;
}
