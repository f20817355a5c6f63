using System.Buffers.Binary;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// Classic libpcap format with microsecond timestamps (magic 0xa1b2c3d4, version 2.4, link type 1 = Ethernet), written
/// in little-endian order. It has no interfaces, directions or comments: frames of every port are merged and dropped
/// frames look like received ones. One writer thread; no allocation per frame.
/// </summary>
public sealed class PcapWriter : CaptureFileWriter
{
    /// <summary>The microsecond-resolution magic number.</summary>
    public const uint Magic = 0xa1b2c3d4;

    private const int LinkTypeEthernet = 1;
    private readonly Stream _output;
    private readonly byte[] _scratch = new byte[24];

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public PcapWriter(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <inheritdoc/>
    public override void WriteHeader(IReadOnlyList<string> interfaces, int snaplen)
    {
        Span<byte> h = _scratch.AsSpan(0, 24);
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], snaplen);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], LinkTypeEthernet);
        _output.Write(h);
    }

    /// <inheritdoc/>
    public override void WriteFrame(in CaptureRecord record, ReadOnlySpan<byte> data)
    {
        Span<byte> h = _scratch.AsSpan(0, 16);
        long seconds = record.TimestampNs / 1_000_000_000;
        long micros = record.TimestampNs % 1_000_000_000 / 1000;
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)micros);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], record.OriginalLength);
        _output.Write(h);
        _output.Write(data);
    }

    /// <summary>Classic pcap has no trailer: nothing is written.</summary>
    public override void WriteEnd(IReadOnlyList<CaptureInterfaceStats> stats, long startNs, long timestampNs)
    {
    }
}
