namespace VSwitch.Rpc.Messages;

/// <summary>A running or recently finished capture.</summary>
/// <param name="Id">The capture's number.</param>
/// <param name="Ports">Captured ports.</param>
/// <param name="Direction"><c>rx</c>, <c>tx</c> or <c>both</c>.</param>
/// <param name="Drops">Whether dropped frames are recorded.</param>
/// <param name="Filter">The filter expression, or null.</param>
/// <param name="Format"><c>pcapng</c> or <c>pcap</c>.</param>
/// <param name="Snaplen">Bytes kept per frame.</param>
/// <param name="State"><c>waiting</c> (for the reader), <c>running</c> or <c>finished</c>.</param>
/// <param name="Captured">Frames written.</param>
/// <param name="Dropped">Frames not captured because the ring was full (the writer fell behind).</param>
/// <param name="Filtered">Frames the filter rejected.</param>
/// <param name="Seconds">Time since the reader connected (until the end, once finished).</param>
/// <param name="EndReason">Why it ended (<c>stopped</c>, <c>count</c>, <c>duration</c>, <c>reader closed</c>, ...), or null while it runs.</param>
public sealed record CaptureInfo(int Id, string[] Ports, string Direction, bool Drops, string? Filter, string Format, int Snaplen,
    string State, long Captured, long Dropped, long Filtered, double Seconds, string? EndReason);
