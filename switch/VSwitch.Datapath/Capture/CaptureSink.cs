using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// One running capture as the datapath sees it: what it wants (<see cref="Directions"/>), its ring, and the count of
/// frames lost because the ring was full. Attached to ports through <see cref="CapturePoint"/>s (one
/// <see cref="CaptureTap"/> per port). Thread rules: datapath threads call <see cref="Offer"/>; one writer thread reads
/// <see cref="Ring"/>; counters may be read anywhere.
/// </summary>
public sealed class CaptureSink
{
    private long _ringFull;

    /// <summary>
    /// Creates a sink over <paramref name="ring"/> recording <paramref name="directions"/>; with
    /// <paramref name="segments"/>, TCP super-frames are recorded as their segments instead of whole.
    /// </summary>
    public CaptureSink(CaptureRing ring, CaptureDirections directions, bool segments = false)
    {
        ArgumentNullException.ThrowIfNull(ring);
        Ring = ring;
        Directions = directions;
        Segments = segments;
    }

    /// <summary>
    /// True when TCP super-frames (segmentation offload) are recorded as the segments a port that does not take them
    /// would receive; false (the default) records them whole, with their checksum filled in.
    /// </summary>
    public bool Segments { get; }

    /// <summary>The ring the datapath writes into.</summary>
    public CaptureRing Ring { get; }

    /// <summary>Which frames are recorded.</summary>
    public CaptureDirections Directions { get; }

    /// <summary>Frames not captured because the ring was full (the writer fell behind).</summary>
    public long RingFull => Volatile.Read(ref _ringFull);

    /// <summary>True when frames of <paramref name="kind"/> are wanted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Wants(CaptureKind kind) => (Directions & (CaptureDirections)(1 << (int)kind)) != 0;

    /// <summary>Copies a frame into the ring; when full, counts it and returns false. Any thread; never blocks.</summary>
    public bool Offer(ReadOnlySpan<byte> frame, long timestampNs, int iface, CaptureKind kind, DropReason reason)
    {
        if (Ring.TryWrite(frame, timestampNs, iface, kind, reason))
        {
            return true;
        }
        Interlocked.Increment(ref _ringFull);
        return false;
    }
}
