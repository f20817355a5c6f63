namespace VSwitch.Control.Runtime;

/// <summary>A validated capture: ports exist and are named once, values are in range. Immutable.</summary>
/// <param name="Ports">Port names; each becomes one pcapng interface, in this order.</param>
/// <param name="Direction">Which frames are recorded.</param>
/// <param name="Filter">A libpcap (BPF) filter expression, or null for every frame.</param>
/// <param name="Snaplen">Bytes kept of each frame.</param>
/// <param name="Format">The file format.</param>
/// <param name="Count">Stop after this many frames were written (0: no limit).</param>
/// <param name="DurationSeconds">Stop after this many seconds (0: no limit).</param>
/// <param name="Drops">Also record frames the switch dropped on the ports, with the reason.</param>
/// <param name="Segments">Record TCP super-frames (segmentation offload) as their segments instead of whole.</param>
public sealed record CaptureRequest(IReadOnlyList<string> Ports, CaptureDirection Direction, string? Filter, int Snaplen,
    CaptureFileFormat Format, long Count, double DurationSeconds, bool Drops, bool Segments = false);
