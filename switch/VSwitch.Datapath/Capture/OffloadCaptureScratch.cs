using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// Where a datapath thread completes the pending checksum of a frame it captures, so that captures show what a wire
/// would carry while the frame itself goes on with its checksum still pending (the port's peer finishes it). Design
/// note: one buffer per thread, allocated with the thread's context (never per packet), large enough for a 64 KiB
/// super-frame with its headers; a longer frame is captured as it is. Captures that want super-frames as segments
/// (<see cref="CaptureSink.Segments"/>) get them cut one at a time into a second such buffer. Owning datapath thread
/// only. Cost: a copy and a checksum pass per captured frame that has a pending checksum; nothing for other frames.
/// </summary>
internal sealed class OffloadCaptureScratch
{
    /// <summary>Largest frame completed here: an IP datagram of 64 KiB behind an Ethernet header and two VLAN tags, rounded up.</summary>
    public const int Size = 65536 + 256;

    private readonly byte[] _buffer = new byte[Size];
    private readonly PacketBuffer _segment;

    public OffloadCaptureScratch()
    {
        // One buffer, rented once and kept for the thread's life: segments for captures are written here one by one.
        // Heap memory: 64 KiB are not worth a huge page.
        var pool = new PacketPool(1, Size, 0, PacketSlabAllocator.Heap);
        pool.TryRent(out PacketBuffer? segment);
        _segment = segment!;
    }

    /// <summary>
    /// The bytes a capture records for <paramref name="packet"/>: the packet itself when no checksum is pending, else a
    /// copy with the checksum filled in (a super-frame stays whole, its checksum computed over the whole payload). The
    /// span is valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> FrameOf(PacketBuffer packet)
    {
        ReadOnlySpan<byte> frame = packet.Span;
        if ((packet.Offload.Flags & OffloadFlags.NeedsCsum) == 0 || frame.Length > _buffer.Length)
        {
            return frame;
        }
        Span<byte> copy = _buffer.AsSpan(0, frame.Length);
        frame.CopyTo(copy);
        return SoftwareOffload.TryCompleteChecksumInCopy(in packet.Offload, copy) ? copy : frame;
    }

    /// <summary>
    /// Offers the segments of the super-frame <paramref name="packet"/> to <paramref name="tap"/>, as software
    /// segmentation would cut them for a port; one that cannot be cut is offered whole (the port's egress will drop it
    /// and count why). A full ring counts <see cref="DropReason.CaptureRingFull"/> per segment lost.
    /// </summary>
    public void OfferSegments(CaptureTap tap, PacketBuffer packet, long now, CaptureKind kind, DropCounters drops)
    {
        if (!TcpSegmenter.TryParse(packet.Span, in packet.Offload, out TcpSuperFrame layout, out _))
        {
            if (!tap.Offer(FrameOf(packet), now, kind, default))
            {
                drops.Add(DropReason.CaptureRingFull);
            }
            return;
        }
        for (int s = 0; s < layout.SegmentCount; s++)
        {
            if (!TcpSegmenter.TryWriteSegment(packet, in layout, s, _segment))
            {
                return;
            }
            if (!tap.Offer(_segment.Span, now, kind, default))
            {
                drops.Add(DropReason.CaptureRingFull);
            }
        }
    }
}
