using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>FEATURES_REPLY (<c>struct ofp_switch_features</c>).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Features">Datapath id, buffers, tables, capabilities.</param>
public sealed record FeaturesReply(uint Xid, SwitchFeatures Features) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.FeaturesReply;
}
