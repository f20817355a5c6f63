namespace VSwitch.Control.Runtime;

/// <summary>The file format a capture streams.</summary>
public enum CaptureFileFormat
{
    /// <summary>pcapng: one interface per port, directions, drop reasons.</summary>
    PcapNg,

    /// <summary>Classic pcap: ports merged, directions lost.</summary>
    Pcap,
}
