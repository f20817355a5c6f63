using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>SET_ASYNC (<c>struct ofp_async_config</c>): sets which async messages this connection receives.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Config">The new filters.</param>
public sealed record SetAsync(uint Xid, AsyncConfig Config) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.SetAsync;
}
