using VSwitch.Core.Diagnostics;

namespace VSwitch.Core.Ports;

/// <summary>
/// Counters of one queue in one direction. Written only by the thread that owns the queue at that
/// moment (plain increments, no atomics); read by the control plane, which tolerates a value that is
/// one batch old. 64-bit fields are read and written whole on 64-bit targets.
/// </summary>
public sealed class QueueStats
{
    /// <summary>Packets passed.</summary>
    public long Packets;

    /// <summary>Bytes passed (Ethernet frame bytes, no virtio-net header).</summary>
    public long Bytes;

    /// <summary>Errors that are not per-packet drops (e.g. a failed notification write).</summary>
    public long Errors;

    /// <summary>Packets discarded on this queue, by reason.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>Zeroes every counter (control plane; racy by design with a running writer).</summary>
    public void Clear()
    {
        Packets = 0;
        Bytes = 0;
        Errors = 0;
        Drops.Clear();
    }
}
