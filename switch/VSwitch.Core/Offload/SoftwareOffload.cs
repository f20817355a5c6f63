using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Offload;

/// <summary>
/// Finishing in software what a frame's sender left for the receiver, when the receiver did not accept it: which work a
/// frame needs for a port (<see cref="WorkFor"/>), and completing a pending checksum in place
/// (<see cref="TryCompleteChecksum"/>). Segmentation is <see cref="TcpSegmenter"/>. Nothing here trusts the offsets in
/// <see cref="PacketBuffer.Offload"/>: every one is checked against the frame first, and a failure is a
/// <see cref="DropReason"/>, never an exception. Stateless and thread-safe (the caller owns the packet); no allocation.
/// </summary>
public static unsafe class SoftwareOffload
{
    /// <summary>
    /// The work <paramref name="offload"/> needs before a port whose peer accepts <paramref name="accepted"/>. A
    /// super-frame stays whole only when the peer takes its type (Tso4 or Tso6, TsoEcn when it carries ECN) and pending
    /// checksums (a super-frame always has one); otherwise it is segmented. A pending checksum alone needs Csum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OffloadWork WorkFor(in PacketOffload offload, PortOffloads accepted)
    {
        if (offload.Gso != GsoType.None)
        {
            PortOffloads needed = PortOffloads.Csum
                | (offload.Gso == GsoType.TcpV4 ? PortOffloads.Tso4 : PortOffloads.Tso6)
                | (offload.GsoEcn ? PortOffloads.TsoEcn : PortOffloads.None);
            return offload.Gso is GsoType.TcpV4 or GsoType.TcpV6 && (accepted & needed) == needed
                ? OffloadWork.None
                : OffloadWork.Segment;
        }
        return (offload.Flags & OffloadFlags.NeedsCsum) != 0 && (accepted & PortOffloads.Csum) == 0
            ? OffloadWork.Checksum
            : OffloadWork.None;
    }

    /// <summary>
    /// Completes the pending checksum of <paramref name="packet"/> (which must ask for one and must not be a
    /// super-frame): the one's-complement sum from <see cref="PacketOffload.CsumStart"/> to the end of the frame, the
    /// checksum field included (it holds the pseudo-header sum), complemented and stored in that field; then clears
    /// <see cref="OffloadFlags.NeedsCsum"/> (and sets no DataValid: a peer that refused checksum offload must not get that
    /// flag, VIRTIO 1.2 §5.1.6.3.1). This is the kernel's
    /// <c>skb_checksum_help</c>, and it finishes TCP and UDP (over IPv4 or IPv6) alike. A lent packet is copied into its
    /// own buffer first. Returns false, changing nothing, when the checksum field lies outside the frame
    /// (<see cref="DropReason.OffloadHeaderInvalid"/>) or a lent packet does not fit its buffer
    /// (<see cref="DropReason.PacketTooLarge"/>).
    /// </summary>
    public static bool TryCompleteChecksum(PacketBuffer packet, out DropReason reason)
    {
        ref PacketOffload offload = ref packet.Offload;
        int start = offload.CsumStart;
        int field = start + offload.CsumOffset;
        int length = packet.Length;
        // The field is 16 bits; checked in int arithmetic, so offsets moved by header edits cannot wrap past it.
        if (field + 2 > length || offload.Gso != GsoType.None)
        {
            reason = DropReason.OffloadHeaderInvalid;
            return false;
        }
        if (!packet.TryMakeOwned())
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        byte* data = packet.Data;
        // SAFETY: start <= field and field + 2 <= length, checked above; the packet owns length bytes at data.
        ulong sum = InternetChecksum.Add(data + start, length - start, 0);
        InternetChecksum.Store(data + field, InternetChecksum.Finish(sum));
        offload.Flags &= ~OffloadFlags.NeedsCsum;
        offload.CsumStart = 0;
        offload.CsumOffset = 0;
        reason = default;
        return true;
    }

    /// <summary>
    /// The pending checksum of a frame as <see cref="TryCompleteChecksum"/> would store it, written into
    /// <paramref name="copy"/>, a copy of the frame (for captures, which must show complete checksums without changing
    /// the packet itself). Super-frames are completed as one large segment (their IP lengths describe the whole frame).
    /// Returns false, writing nothing, when the field lies outside the copy.
    /// </summary>
    public static bool TryCompleteChecksumInCopy(in PacketOffload offload, Span<byte> copy)
    {
        int start = offload.CsumStart;
        int field = start + offload.CsumOffset;
        if ((offload.Flags & OffloadFlags.NeedsCsum) == 0 || field + 2 > copy.Length)
        {
            return false;
        }
        fixed (byte* data = copy)
        {
            // SAFETY: start <= field and field + 2 <= copy.Length, checked above; copy is pinned by fixed.
            ulong sum = InternetChecksum.Add(data + start, copy.Length - start, 0);
            InternetChecksum.Store(data + field, InternetChecksum.Finish(sum));
        }
        return true;
    }
}
