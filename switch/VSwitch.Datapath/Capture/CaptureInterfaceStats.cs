namespace VSwitch.Datapath.Capture;

/// <summary>Final counters of one captured port, written as a pcapng Interface Statistics Block.</summary>
/// <param name="Received">Frames the datapath offered to the capture on this port (captured or not).</param>
/// <param name="RingFull">Frames not captured because the ring was full (isb_ifdrop).</param>
/// <param name="FilterAccepted">Frames the filter accepted (isb_filteraccept).</param>
/// <param name="Delivered">Frames written to the file (isb_usrdeliv).</param>
public readonly record struct CaptureInterfaceStats(long Received, long RingFull, long FilterAccepted, long Delivered);
