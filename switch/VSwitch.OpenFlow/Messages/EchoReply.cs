using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>ECHO_REPLY: the answer to an echo request.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Data">The request's data.</param>
public sealed record EchoReply(uint Xid, ReadOnlyMemory<byte> Data) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.EchoReply;
}
