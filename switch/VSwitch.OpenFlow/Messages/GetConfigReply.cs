using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>GET_CONFIG_REPLY (<c>struct ofp_switch_config</c>).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Config">The switch configuration.</param>
public sealed record GetConfigReply(uint Xid, SwitchConfig Config) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.GetConfigReply;
}
