using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>SET_CONFIG (<c>struct ofp_switch_config</c>).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Config">The new switch configuration.</param>
public sealed record SetConfig(uint Xid, SwitchConfig Config) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.SetConfig;
}
