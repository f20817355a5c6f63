using System.Runtime.InteropServices;

namespace VSwitch.Core.Packets;

/// <summary>Checksum state of a packet, with the values of the virtio-net header's <c>flags</c> (VIRTIO 1.2 §5.1.6).</summary>
[Flags]
public enum OffloadFlags : byte
{
    /// <summary>Every checksum in the frame is complete (or the sender did not say).</summary>
    None = 0,

    /// <summary>
    /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the one's-complement sum from <see cref="PacketOffload.CsumStart"/> to the end of the
    /// frame still has to be stored at <see cref="PacketOffload.CsumStart"/> + <see cref="PacketOffload.CsumOffset"/>;
    /// that field holds the pseudo-header sum, not inverted (the kernel's CHECKSUM_PARTIAL).
    /// </summary>
    NeedsCsum = 1,

    /// <summary>VIRTIO_NET_HDR_F_DATA_VALID: the receiver of the frame already checked its checksums.</summary>
    DataValid = 2,
}

/// <summary>Segmentation asked of a super-frame, with the values of the virtio-net header's <c>gso_type</c>.</summary>
public enum GsoType : byte
{
    /// <summary>Not a super-frame.</summary>
    None = 0,

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV4: TCP over IPv4, cut into segments of <see cref="PacketOffload.GsoSize"/> payload bytes.</summary>
    TcpV4 = 1,

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV6: TCP over IPv6.</summary>
    TcpV6 = 4,
}

/// <summary>
/// The offload metadata a packet carries through the datapath: what its sender left for the receiver to finish
/// (checksum, segmentation) and what was already verified. Filled from the virtio-net header of a guest's transmit
/// chain or a tap's read, written into the header of a guest's receive buffers or a tap's write, and finished in
/// software before a port that did not accept the offload (see <c>VSwitch.Core.Offload</c>).
/// Offsets count from the first byte of the Ethernet header (<see cref="PacketBuffer.Data"/>), as in the virtio-net
/// header; <see cref="PacketBuffer.TryPrepend"/> and <see cref="PacketBuffer.TryTrimFront"/> move them with the data.
/// An all-zero value means "a plain, complete frame", which is what <see cref="PacketBuffer.Reset"/> leaves.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
public struct PacketOffload
{
    /// <summary>Checksum state.</summary>
    public OffloadFlags Flags;

    /// <summary>Segmentation asked, <see cref="GsoType.None"/> for an ordinary frame.</summary>
    public GsoType Gso;

    /// <summary>True when the sender set ECN on the super-frame (VIRTIO_NET_HDR_GSO_ECN): segments keep CWR on the first only.</summary>
    public bool GsoEcn;

    /// <summary>Bytes of Ethernet, IP and TCP headers in front of the payload (a hint from the sender; segmentation re-reads the headers).</summary>
    public ushort HdrLen;

    /// <summary>Payload bytes per segment (the TCP MSS) of a super-frame.</summary>
    public ushort GsoSize;

    /// <summary>Where the checksummed region starts (NeedsCsum).</summary>
    public ushort CsumStart;

    /// <summary>Where, counted from <see cref="CsumStart"/>, the 16-bit checksum is stored (NeedsCsum).</summary>
    public ushort CsumOffset;

    /// <summary>True when the packet needs nothing finished: no pending checksum and no segmentation.</summary>
    public readonly bool IsPlain => ((byte)(Flags & OffloadFlags.NeedsCsum) | (byte)Gso) == 0;

    /// <summary>
    /// Moves the offsets by <paramref name="delta"/> bytes (headers added or removed in front of them). Done by
    /// <see cref="PacketBuffer.TryPrepend"/> and <see cref="PacketBuffer.TryTrimFront"/>; an editor that inserts bytes
    /// behind the start of the frame in place (moving the rest back) calls it itself.
    /// </summary>
    public void Shift(int delta)
    {
        if ((Flags & OffloadFlags.NeedsCsum) != 0)
        {
            CsumStart = (ushort)(CsumStart + delta);
        }
        if (Gso != GsoType.None && HdrLen != 0)
        {
            HdrLen = (ushort)(HdrLen + delta);
        }
    }
}
