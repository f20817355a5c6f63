using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>ROLE_REPLY: the connection's role after the request.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Role">The role now.</param>
/// <param name="GenerationId">The switch's current generation id.</param>
public sealed record RoleReply(uint Xid, ControllerRole Role, ulong GenerationId) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.RoleReply;
}
