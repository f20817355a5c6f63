namespace VSwitch.Datapath.Capture;

/// <summary>
/// The capture attachment point of one port. It outlives the datapath snapshots (the runtime keeps one per running
/// port and hands it to every <see cref="Ports.DatapathPort"/> it builds for that port), so captures keep running
/// while ports and flows change. Design note: <see cref="Taps"/> is a copy-on-write array, null when no capture runs,
/// so the datapath pays one volatile read and one branch per batch when nobody captures. Thread rules: any thread
/// reads <see cref="Taps"/>; <see cref="Attach"/> and <see cref="Detach"/> (control or writer threads) serialise
/// on a lock. After <see cref="Detach"/> a datapath thread may still write one batch into the sink; wait for a
/// quiescent point before treating the sink as closed.
/// </summary>
public sealed class CapturePoint
{
    private readonly Lock _lock = new();
    private volatile CaptureTap[]? _taps;

    /// <summary>The captures on this port, or null when there are none.</summary>
    public CaptureTap[]? Taps => _taps;

    /// <summary>Adds <paramref name="tap"/>.</summary>
    public void Attach(CaptureTap tap)
    {
        ArgumentNullException.ThrowIfNull(tap);
        lock (_lock)
        {
            CaptureTap[] old = _taps ?? [];
            _taps = [.. old, tap];
        }
    }

    /// <summary>Removes every tap of <paramref name="sink"/>.</summary>
    public void Detach(CaptureSink sink)
    {
        lock (_lock)
        {
            CaptureTap[]? old = _taps;
            if (old is null)
            {
                return;
            }
            CaptureTap[] next = Array.FindAll(old, t => !ReferenceEquals(t.Sink, sink));
            _taps = next.Length == 0 ? null : next;
        }
    }
}
