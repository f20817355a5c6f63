using VSwitch.Core.Packets;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// Classic libpcap format (<see cref="PcapFileFormat"/>: microsecond timestamps, Ethernet, little-endian). It has no
/// interfaces, directions or comments: frames of every port are merged and dropped frames look like received ones.
/// One writer thread; no allocation per frame.
/// </summary>
public sealed class PcapWriter : CaptureFileWriter
{
    private readonly Stream _output;
    private readonly byte[] _scratch = new byte[PcapFileFormat.FileHeaderSize];

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public PcapWriter(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <inheritdoc/>
    public override void WriteHeader(IReadOnlyList<string> interfaces, int snaplen)
    {
        PcapFileFormat.WriteFileHeader(_scratch, snaplen);
        _output.Write(_scratch, 0, PcapFileFormat.FileHeaderSize);
    }

    /// <inheritdoc/>
    public override void WriteFrame(in CaptureRecord record, ReadOnlySpan<byte> data)
    {
        PcapFileFormat.WriteRecordHeader(_scratch, record.TimestampNs / 1000, data.Length, record.OriginalLength);
        _output.Write(_scratch, 0, PcapFileFormat.RecordHeaderSize);
        _output.Write(data);
    }

    /// <summary>Classic pcap has no trailer: nothing is written.</summary>
    public override void WriteEnd(IReadOnlyList<CaptureInterfaceStats> stats, long startNs, long timestampNs)
    {
    }
}
