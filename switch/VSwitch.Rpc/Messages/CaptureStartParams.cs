namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of capture-start.</summary>
/// <param name="Ports">Port names; each becomes one pcapng interface, in this order.</param>
/// <param name="Direction"><c>rx</c>, <c>tx</c> or <c>both</c>.</param>
/// <param name="Filter">A libpcap (BPF) filter expression, or null for every frame.</param>
/// <param name="Snaplen">Bytes kept of each frame (1..262144).</param>
/// <param name="Format"><c>pcapng</c> or <c>pcap</c>.</param>
/// <param name="Count">Stop after this many frames were written (0: no limit).</param>
/// <param name="DurationSeconds">Stop after this many seconds (0: no limit).</param>
/// <param name="Drops">Also record frames the switch dropped on the ports, with the reason.</param>
/// <param name="Segments">Record TCP super-frames (segmentation offload) as their segments instead of whole.</param>
public sealed record CaptureStartParams(string[] Ports, string Direction, string? Filter, int Snaplen, string Format, long Count,
    double DurationSeconds, bool Drops, bool Segments = false);
