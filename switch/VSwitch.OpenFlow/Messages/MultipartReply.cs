using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>
/// One MULTIPART_REPLY message (OpenFlow 1.3.5 §7.3.5). A long reply is several of these with the same xid, all
/// but the last carrying <see cref="MultipartFlags.More"/>; the encoder splits at the 64 KiB message limit.
/// </summary>
/// <param name="Xid">The request's transaction id.</param>
/// <param name="Kind">What is answered.</param>
/// <param name="Flags">MORE when further parts follow.</param>
/// <param name="Items">The entries of this part, all of the type <paramref name="Kind"/> implies.</param>
public sealed record MultipartReply(uint Xid, MultipartType Kind, MultipartFlags Flags, IReadOnlyList<MultipartItem> Items) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.MultipartReply;
}
