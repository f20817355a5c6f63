using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// What the datapath does when a port has captures: copy each frame of a batch into every interested sink. Called
/// only after the caller saw a non-null tap array (the rare path, kept out of line). Datapath threads; no allocation,
/// no locks; a full ring costs a counter (the sink's and <see cref="DropReason.CaptureRingFull"/>), never a wait.
/// </summary>
internal static class CaptureHooks
{
    /// <summary>
    /// Records every packet of <paramref name="batch"/> as <paramref name="kind"/> (Rx or Tx), as a wire would carry it:
    /// a pending checksum is filled in, in a copy made in <paramref name="scratch"/> (the packet is not changed). A
    /// super-frame is recorded whole, or as its segments when the sink asks for them (<see cref="CaptureSink.Segments"/>);
    /// on transmit, one the port does not take whole was already cut into segments, which are recorded instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RecordBatch(CaptureTap[] taps, PacketBatch batch, CaptureKind kind, DropCounters drops, OffloadCaptureScratch scratch)
    {
        long now = CaptureClock.NowNanoseconds();
        for (int t = 0; t < taps.Length; t++)
        {
            CaptureTap tap = taps[t];
            CaptureSink sink = tap.Sink;
            if (!sink.Wants(kind))
            {
                continue;
            }
            for (int i = 0; i < batch.Count; i++)
            {
                PacketBuffer packet = batch[i];
                if (sink.Segments && packet.Offload.Gso != GsoType.None)
                {
                    scratch.OfferSegments(tap, packet, now, kind, drops);
                }
                else if (!tap.Offer(scratch.FrameOf(packet), now, kind, default))
                {
                    drops.Add(DropReason.CaptureRingFull);
                }
            }
        }
    }

    /// <summary>Records every packet of <paramref name="batch"/> as dropped for <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RecordDroppedBatch(CaptureTap[] taps, PacketBatch batch, DropReason reason, DropCounters drops)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            RecordDrop(taps, batch[i], reason, drops);
        }
    }

    /// <summary>Records one dropped packet (still in hand) with its <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RecordDrop(CaptureTap[] taps, PacketBuffer packet, DropReason reason, DropCounters drops)
    {
        long now = CaptureClock.NowNanoseconds();
        for (int t = 0; t < taps.Length; t++)
        {
            CaptureTap tap = taps[t];
            if (tap.Sink.Wants(CaptureKind.Drop) && !tap.Offer(packet.Span, now, CaptureKind.Drop, reason))
            {
                drops.Add(DropReason.CaptureRingFull);
            }
        }
    }
}
