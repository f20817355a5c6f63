namespace VSwitch.Virtio.Net;

/// <summary>
/// The virtio-net header in front of every frame on the rings (VIRTIO 1.2 §5.1.6: flags, gso_type, hdr_len,
/// gso_size, csum_start, csum_offset, then num_buffers). Its first ten bytes are read and written by
/// <c>VSwitch.Core.Offload.VnetHeader</c>; num_buffers is the rings' business.
/// </summary>
public static class VirtioNetHeader
{
    /// <summary>Header size with num_buffers (VERSION_1 or MRG_RXBUF negotiated).</summary>
    public const int Size = 12;

    /// <summary>Header size of a legacy device without MRG_RXBUF (no num_buffers).</summary>
    public const int LegacySize = 10;

    /// <summary>Byte offset of the le16 num_buffers field.</summary>
    public const int NumBuffersOffset = 10;

    /// <summary>
    /// The header size for the negotiated <paramref name="features"/>: 12 when VERSION_1 or MRG_RXBUF is set
    /// (VIRTIO 1.2 §5.1.6: num_buffers is always present for modern devices), else 10.
    /// </summary>
    public static int SizeFor(ulong features) =>
        (features & (ulong)(VirtioNetFeatures.Version1 | VirtioNetFeatures.MrgRxbuf)) != 0 ? Size : LegacySize;
}
