namespace VSwitch.Datapath.Capture;

/// <summary>The file format a capture is written in.</summary>
public enum CaptureFormat
{
    /// <summary>pcapng: one interface per port, nanosecond timestamps, direction flags, drop-reason comments, interface statistics.</summary>
    PcapNg,

    /// <summary>Classic pcap (microsecond timestamps) for older tools: ports are merged and directions are lost.</summary>
    Pcap,
}
