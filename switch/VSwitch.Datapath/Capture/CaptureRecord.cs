using VSwitch.Core.Diagnostics;

namespace VSwitch.Datapath.Capture;

/// <summary>The metadata of one captured frame, as the writer thread reads it from a <see cref="CaptureRing"/>.</summary>
/// <param name="TimestampNs">Nanoseconds since the Unix epoch when the datapath saw the frame's batch.</param>
/// <param name="OriginalLength">The frame's length on the wire.</param>
/// <param name="Interface">The capture's interface number (the position of the port in the capture's port list).</param>
/// <param name="Kind">Received, transmitted or dropped.</param>
/// <param name="Reason">Why the frame was dropped (only for <see cref="CaptureKind.Drop"/>).</param>
public readonly record struct CaptureRecord(long TimestampNs, int OriginalLength, int Interface, CaptureKind Kind, DropReason Reason);
