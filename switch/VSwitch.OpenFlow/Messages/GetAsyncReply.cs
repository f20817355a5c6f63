using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>GET_ASYNC_REPLY (<c>struct ofp_async_config</c>).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Config">The connection's filters.</param>
public sealed record GetAsyncReply(uint Xid, AsyncConfig Config) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.GetAsyncReply;
}
