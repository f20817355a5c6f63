using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>ECHO_REQUEST: a liveness probe; the answer carries the same data.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Data">Arbitrary bytes to echo.</param>
public sealed record EchoRequest(uint Xid, ReadOnlyMemory<byte> Data) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.EchoRequest;
}
