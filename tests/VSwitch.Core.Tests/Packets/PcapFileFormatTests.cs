using System.Buffers.Binary;
using VSwitch.Core.Packets;
using Xunit;

namespace VSwitch.Core.Tests.Packets;

/// <summary>The classic pcap headers, byte by byte as libpcap's savefile.c reads them (little-endian, microseconds).</summary>
public class PcapFileFormatTests
{
    [Fact]
    public void File_header_is_magic_version_zero_zone_snaplen_and_Ethernet()
    {
        byte[] h = new byte[PcapFileFormat.FileHeaderSize + 1];
        PcapFileFormat.WriteFileHeader(h, 65535);
        Assert.Equal(new byte[] { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0, 0 }, h);
    }

    [Fact]
    public void Record_header_splits_microseconds_into_seconds_and_fraction()
    {
        byte[] h = new byte[PcapFileFormat.RecordHeaderSize];
        PcapFileFormat.WriteRecordHeader(h, 1_700_000_000_123_456, 60, 1514);
        Assert.Equal(1_700_000_000u, BinaryPrimitives.ReadUInt32LittleEndian(h));
        Assert.Equal(123_456u, BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(4)));
        Assert.Equal(60, BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(8)));
        Assert.Equal(1514, BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(12)));
    }

    [Fact]
    public void Too_small_a_destination_is_refused_before_anything_is_written()
    {
        byte[] h = new byte[PcapFileFormat.RecordHeaderSize - 1];
        Assert.Throws<ArgumentOutOfRangeException>(() => PcapFileFormat.WriteRecordHeader(h, 1, 1, 1));
        Assert.All(h, b => Assert.Equal(0, b));
    }
}
