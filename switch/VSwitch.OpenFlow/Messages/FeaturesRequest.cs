using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>FEATURES_REQUEST: asks for the datapath id and capabilities.</summary>
/// <param name="Xid">Transaction id.</param>
public sealed record FeaturesRequest(uint Xid) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.FeaturesRequest;
}
