using System.Buffers.Binary;

namespace VSwitch.Core.Packets;

/// <summary>
/// The classic libpcap file format as the switch writes it: microsecond timestamps (magic 0xa1b2c3d4), version 2.4,
/// link type 1 (Ethernet), little-endian fields. It lays the file header and the per-frame record header out in a
/// span the caller owns and knows no stream or thread, so every writer of classic files (a capture in pcap format, a
/// pcap port recording what it is sent) puts out the same bytes. Pure functions; any thread; no allocation.
/// </summary>
public static class PcapFileFormat
{
    /// <summary>The magic number of a file with microsecond timestamps.</summary>
    public const uint Magic = 0xa1b2c3d4;

    /// <summary>Major version of the format.</summary>
    public const ushort VersionMajor = 2;

    /// <summary>Minor version of the format.</summary>
    public const ushort VersionMinor = 4;

    /// <summary>LINKTYPE_ETHERNET: every record is an Ethernet frame.</summary>
    public const uint LinkTypeEthernet = 1;

    /// <summary>Bytes of the file header.</summary>
    public const int FileHeaderSize = 24;

    /// <summary>Bytes of the header before each frame's data.</summary>
    public const int RecordHeaderSize = 16;

    /// <summary>
    /// Writes the file header (no time zone offset, no accuracy figure) for frames cut to <paramref name="snaplen"/>
    /// bytes into the first <see cref="FileHeaderSize"/> bytes of <paramref name="destination"/>.
    /// </summary>
    public static void WriteFileHeader(Span<byte> destination, int snaplen)
    {
        Span<byte> h = destination[..FileHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], snaplen);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], LinkTypeEthernet);
    }

    /// <summary>
    /// Writes the record header of one frame seen at <paramref name="unixMicros"/> (microseconds since the Unix epoch),
    /// of which <paramref name="capturedLength"/> of <paramref name="originalLength"/> bytes follow, into the first
    /// <see cref="RecordHeaderSize"/> bytes of <paramref name="destination"/>.
    /// </summary>
    public static void WriteRecordHeader(Span<byte> destination, long unixMicros, int capturedLength, int originalLength)
    {
        Span<byte> h = destination[..RecordHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)(unixMicros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)(unixMicros % 1_000_000));
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], capturedLength);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], originalLength);
    }
}
