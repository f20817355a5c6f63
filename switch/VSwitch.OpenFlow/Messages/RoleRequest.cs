using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>ROLE_REQUEST (<c>struct ofp_role_request</c>, OpenFlow 1.3.5 §7.3.9).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Role">Requested role (NoChange = query).</param>
/// <param name="GenerationId">Master election generation; compared as a wrapping 64-bit counter for master and slave.</param>
public sealed record RoleRequest(uint Xid, ControllerRole Role, ulong GenerationId) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.RoleRequest;
}
