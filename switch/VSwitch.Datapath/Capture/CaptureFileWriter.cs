namespace VSwitch.Datapath.Capture;

/// <summary>
/// Formats captured frames into a byte stream (pcapng or classic pcap). Thread rules: one writer thread; never the
/// datapath. The writer buffers nothing itself: the caller gives it a buffered stream and decides when to flush.
/// </summary>
public abstract class CaptureFileWriter
{
    /// <summary>Creates a writer of <paramref name="format"/> over <paramref name="output"/>.</summary>
    public static CaptureFileWriter Create(CaptureFormat format, Stream output) => format switch
    {
        CaptureFormat.PcapNg => new PcapNgWriter(output),
        CaptureFormat.Pcap => new PcapWriter(output),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Writes the file header: one interface per name in <paramref name="interfaces"/>, Ethernet, <paramref name="snaplen"/>.</summary>
    public abstract void WriteHeader(IReadOnlyList<string> interfaces, int snaplen);

    /// <summary>Writes one frame: its metadata and its captured bytes.</summary>
    public abstract void WriteFrame(in CaptureRecord record, ReadOnlySpan<byte> data);

    /// <summary>Writes the closing blocks (statistics per interface, in header order) at <paramref name="timestampNs"/>.</summary>
    public abstract void WriteEnd(IReadOnlyList<CaptureInterfaceStats> stats, long startNs, long timestampNs);
}
