using VSwitch.Core.Diagnostics;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// A capture attached to one port: the sink, the port's interface number in that capture, and the frames of this
/// port the ring had no room for. Thread rules: datapath threads call <see cref="Offer"/>; counters are read anywhere.
/// </summary>
public sealed class CaptureTap
{
    private long _ringFull;

    /// <summary>Attaches <paramref name="sink"/> as interface number <paramref name="iface"/>.</summary>
    public CaptureTap(CaptureSink sink, int iface)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Sink = sink;
        Interface = iface;
    }

    /// <summary>The capture.</summary>
    public CaptureSink Sink { get; }

    /// <summary>The port's interface number in the capture's output (0-based).</summary>
    public int Interface { get; }

    /// <summary>Frames of this port not captured because the ring was full.</summary>
    public long RingFull => Volatile.Read(ref _ringFull);

    /// <summary>Copies a frame into the sink's ring; when it is full, counts the loss here and on the sink and returns false.</summary>
    public bool Offer(ReadOnlySpan<byte> frame, long timestampNs, CaptureKind kind, DropReason reason)
    {
        if (Sink.Offer(frame, timestampNs, Interface, kind, reason))
        {
            return true;
        }
        Interlocked.Increment(ref _ringFull);
        return false;
    }
}
