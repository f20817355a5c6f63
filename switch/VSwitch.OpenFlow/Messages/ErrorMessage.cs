using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>ERROR (<c>struct ofp_error_msg</c>): type, code and the start of the offending message (or, for HELLO_FAILED, text).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Error">Type and code.</param>
/// <param name="Data">At least 64 bytes of the refused message, or all of it if shorter; ASCII text for HELLO_FAILED.</param>
public sealed record ErrorMessage(uint Xid, OfpError Error, ReadOnlyMemory<byte> Data) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.Error;
}
