namespace VSwitch.Control.Runtime;

/// <summary>A running or recently finished capture. Immutable snapshot.</summary>
/// <param name="Id">The capture's number.</param>
/// <param name="Request">What was asked for.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="Captured">Frames written.</param>
/// <param name="Dropped">Frames not captured because the ring was full (the writer fell behind).</param>
/// <param name="Filtered">Frames the filter rejected.</param>
/// <param name="Seconds">Time since the reader connected (until the end, once finished).</param>
/// <param name="EndReason">Why it ended (<c>stopped</c>, <c>count</c>, <c>duration</c>, <c>reader closed</c>, ...), or null while it runs.</param>
public sealed record CaptureStatus(int Id, CaptureRequest Request, CaptureState State, long Captured, long Dropped, long Filtered,
    double Seconds, string? EndReason);
