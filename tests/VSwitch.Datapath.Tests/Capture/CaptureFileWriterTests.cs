using System.Buffers.Binary;
using System.Diagnostics;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Capture;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Datapath.Tests.Capture;

/// <summary>The pcapng and pcap writers, read back by our own block walk and by tshark.</summary>
public sealed class CaptureFileWriterTests : IDisposable
{
    private const long T0 = 1_700_000_000_123_456_789;
    private readonly string _dir = Directory.CreateTempSubdirectory("vswitch-capture-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Pcapng_blocks_are_well_formed_and_carry_interfaces_directions_comment_and_statistics()
    {
        byte[] file = WriteSample(CaptureFormat.PcapNg);
        var blocks = new List<(uint Type, byte[] Body)>();
        for (int at = 0; at < file.Length;)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
            int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 4));
            Assert.Equal(0, length % 4);
            Assert.Equal(length, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + length - 4)));
            blocks.Add((type, file[(at + 8)..(at + length - 4)]));
            at += length;
        }
        Assert.Equal([0x0A0D0D0Au, 1, 1, 6, 6, 6, 5, 5], blocks.Select(b => b.Type).ToArray());
        byte[] epb = blocks[3].Body;
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(epb));
        long ts = ((long)BinaryPrimitives.ReadUInt32LittleEndian(epb.AsSpan(4)) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(epb.AsSpan(8));
        Assert.Equal(T0, ts);
        Assert.Equal(60u, BinaryPrimitives.ReadUInt32LittleEndian(epb.AsSpan(12)));
        Assert.Equal(60u, BinaryPrimitives.ReadUInt32LittleEndian(epb.AsSpan(16)));
    }

    [Fact]
    public void Pcapng_tshark_reads_interfaces_directions_and_drop_comment()
    {
        string? tshark = Prerequisite.FindOnPath("tshark");
        Prerequisite.Require(tshark is not null, "tshark is not installed");
        string path = Path.Combine(_dir, "sample.pcapng");
        File.WriteAllBytes(path, WriteSample(CaptureFormat.PcapNg));
        string[] lines = Run(tshark!, "-r", path, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_name",
            "-e", "frame.packet_flags_direction", "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.comment", "-e", "eth.src");
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("vm1|0x00000001|60|60||02:00:00:00:00:01", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("vm2|0x00000002|60|60||", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("vm1|0x00000001|1500|100|dropped: NoRule|", lines[2], StringComparison.Ordinal);
        string? capinfos = Prerequisite.FindOnPath("capinfos");
        if (capinfos is not null)
        {
            string info = string.Join('\n', Run(capinfos, path));
            Assert.Contains("Number of interfaces in file: 2", info, StringComparison.Ordinal);
            Assert.Contains("Number of packets:   3", info, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Pcap_tshark_reads_frames_with_microsecond_timestamps()
    {
        string? tshark = Prerequisite.FindOnPath("tshark");
        Prerequisite.Require(tshark is not null, "tshark is not installed");
        string path = Path.Combine(_dir, "sample.pcap");
        byte[] file = WriteSample(CaptureFormat.Pcap);
        Assert.Equal(PcapFileFormat.Magic, BinaryPrimitives.ReadUInt32LittleEndian(file));
        File.WriteAllBytes(path, file);
        string[] lines = Run(tshark!, "-r", path, "-T", "fields", "-E", "separator=|", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len");
        Assert.Equal(["1700000000.123456000|60|60", "1700000000.123457000|60|60", "1700000000.123458000|1500|100"], lines);
    }

    private static byte[] WriteSample(CaptureFormat format)
    {
        using var stream = new MemoryStream();
        CaptureFileWriter writer = CaptureFileWriter.Create(format, stream);
        writer.WriteHeader(["vm1", "vm2"], 100);
        byte[] udp = PacketFactory.Ipv4Udp(ethSrc: new VSwitch.Core.Net.MacAddress(0x02_00_00_00_00_01));
        byte[] frame = new byte[60];
        udp.AsSpan(0, Math.Min(udp.Length, 60)).CopyTo(frame);
        writer.WriteFrame(new CaptureRecord(T0, 60, 0, CaptureKind.Rx, default), frame);
        writer.WriteFrame(new CaptureRecord(T0 + 1000, 60, 1, CaptureKind.Tx, default), frame);
        byte[] big = new byte[100];
        frame.CopyTo(big, 0);
        writer.WriteFrame(new CaptureRecord(T0 + 2000, 1500, 0, CaptureKind.Drop, DropReason.NoRule), big);
        writer.WriteEnd([new CaptureInterfaceStats(5, 2, 2, 2), new CaptureInterfaceStats(1, 0, 1, 1)], T0, T0 + 5000);
        return stream.ToArray();
    }

    private static string[] Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            Assert.Fail($"{program} did not finish");
        }
        Assert.True(p.ExitCode == 0, $"{program} failed: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
