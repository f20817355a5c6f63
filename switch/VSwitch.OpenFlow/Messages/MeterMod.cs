using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>METER_MOD (<c>struct ofp_meter_mod</c>). This switch has no meters: deleting is accepted (there is nothing to delete), adding is refused.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Command">What to do.</param>
/// <param name="Flags">OFPMF_* flags.</param>
/// <param name="MeterId">Meter id (OFPM_ALL for delete).</param>
/// <param name="BandCount">Number of bands the request carried (checked for length, not kept).</param>
public sealed record MeterMod(uint Xid, MeterModCommand Command, ushort Flags, uint MeterId, int BandCount) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.MeterMod;
}
