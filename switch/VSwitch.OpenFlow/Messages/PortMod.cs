using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>PORT_MOD (<c>struct ofp_port_mod</c>): changes a port's administrative settings.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="PortNo">Port number.</param>
/// <param name="HwAddr">The port's MAC address (48 bits), which must match.</param>
/// <param name="Config">New values of the bits in Mask.</param>
/// <param name="Mask">Bits of Config to change.</param>
/// <param name="Advertise">Features to advertise (0 = unchanged).</param>
public sealed record PortMod(uint Xid, uint PortNo, ulong HwAddr, PortConfig Config, PortConfig Mask, PortFeatures Advertise) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.PortMod;
}
