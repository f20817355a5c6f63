using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>HELLO (OpenFlow 1.3.5 §7.5.1): the first message of each side, with the highest version in the header and optionally a version bitmap element.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Version">The header's version: the sender's highest.</param>
/// <param name="VersionBitmap">Bit n set = version n supported (first 32 versions); 0 when the HELLO has no bitmap element.</param>
public sealed record Hello(uint Xid, byte Version, uint VersionBitmap) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.Hello;
}
