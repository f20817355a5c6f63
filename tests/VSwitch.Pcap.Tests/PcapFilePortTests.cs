using System.Buffers.Binary;
using System.Diagnostics;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Pcap.Tests;

/// <summary>
/// The file port on its own: replay (order, bytes, pcapng, pacing, loop), recording, and hostile input files, each of
/// which must end in the error state with a reason and never an exception.
/// </summary>
public sealed class PcapFilePortTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly string _dir = Directory.CreateTempSubdirectory("vspcap").FullName;

    public PcapFilePortTests() => Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Replays_a_file_once_in_order_byte_for_byte_then_reports_replay_finished()
    {
        List<byte[]> frames = CaptureFiles.NumberedFrames(200);
        string file = Path.Combine(_dir, "in.pcap");
        CaptureFiles.Write(file, frames);
        using var port = new PcapFilePort(new PortId(1), "p1", file, null, false, null);

        List<PortPump.Received> got = PortPump.Receive(port, frames.Count + 1, TimeSpan.FromSeconds(3));

        Assert.Equal(frames.Count, got.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(frames[i], got[i].Frame);
        }
        Assert.True(PortPump.WaitFor(() => port.GetStatus().Activity == "replay finished", Patience), port.GetStatus().ToString());
        PcapPortStatus s = port.GetStatus();
        Assert.Equal(PortState.Up, s.State);
        Assert.Equal(200, s.Replayed);
        Assert.Equal(1, s.LoopsDone);
        Assert.Null(s.LastError);
        Assert.Equal(200, port.Stats.RxPackets);
        Assert.Equal(port.RxPool.Count, port.RxPool.Available);
    }

    [Fact]
    public void Replays_pcapng_as_libpcap_reads_it()
    {
        string? editcap = Prerequisite.FindOnPath("editcap");
        Prerequisite.Require(editcap is not null, "editcap (wireshark-common) converts the test file to pcapng");
        List<byte[]> frames = CaptureFiles.NumberedFrames(20);
        string pcap = Path.Combine(_dir, "in.pcap");
        string pcapng = Path.Combine(_dir, "in.pcapng");
        CaptureFiles.Write(pcap, frames);
        VethNamespace.Run(editcap!, "-F", "pcapng", pcap, pcapng);
        Assert.Equal(0x0a0d0d0au, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(pcapng)));
        using var port = new PcapFilePort(new PortId(1), "p1", pcapng, null, false, null);

        List<PortPump.Received> got = PortPump.Receive(port, frames.Count, Patience);

        Assert.Equal(frames, got.Select(r => r.Frame));
    }

    [Fact]
    public void A_replay_rate_spreads_the_frames_over_time_in_order()
    {
        List<byte[]> frames = CaptureFiles.NumberedFrames(20);
        string file = Path.Combine(_dir, "in.pcap");
        CaptureFiles.Write(file, frames);
        var sinceOpen = Stopwatch.StartNew();
        using var port = new PcapFilePort(new PortId(1), "p1", file, 50, false, null);

        List<PortPump.Received> got = PortPump.Receive(port, frames.Count, Patience, sinceOpen);

        Assert.Equal(frames, got.Select(r => r.Frame));
        // At 50/s frame k is due k/50 s after the replay began, which is after the port was opened: no frame may arrive
        // earlier (the last not before 0.38 s). Arrival times measured here can only be later than the replay's (a busy
        // machine delays the poll), so this holds however loaded the machine is, and it checks every frame.
        for (int k = 0; k < got.Count; k++)
        {
            TimeSpan due = TimeSpan.FromSeconds(k / 50.0);
            Assert.True(got[k].At >= due, $"frame {k} arrived {got[k].At.TotalMilliseconds:F1} ms after the port opened, before it was due at {due.TotalMilliseconds:F0} ms");
        }
    }

    [Fact]
    public void A_looping_replay_starts_over_at_the_end_of_the_file()
    {
        List<byte[]> frames = CaptureFiles.NumberedFrames(5);
        string file = Path.Combine(_dir, "in.pcap");
        CaptureFiles.Write(file, frames);
        using var port = new PcapFilePort(new PortId(1), "p1", file, null, true, null);

        List<PortPump.Received> got = PortPump.Receive(port, 23, Patience);

        Assert.True(got.Count >= 23, $"{got.Count} frames");
        for (int i = 0; i < got.Count; i++)
        {
            Assert.Equal(frames[i % 5], got[i].Frame);
        }
        PcapPortStatus s = port.GetStatus();
        Assert.Equal("replaying", s.Activity);
        Assert.True(s.LoopsDone >= 4, $"loops done: {s.LoopsDone}");
    }

    [Fact]
    public void Records_every_sent_frame_into_a_file_libpcap_and_tshark_read()
    {
        List<byte[]> frames = CaptureFiles.NumberedFrames(100);
        frames.Add(new byte[9000]);
        string file = Path.Combine(_dir, "out.pcap");
        var pool = new PacketPool(256);
        using (var port = new PcapFilePort(new PortId(2), "p2", null, null, false, file))
        {
            Assert.Equal(0, port.RxQueueCount);
            PortPump.Send(port, frames, pool);
            Assert.Equal(101, port.Stats.TxPackets);
            Assert.True(PortPump.WaitFor(() => port.GetStatus().Recorded == 101, Patience), "recorder did not catch up");
        }
        Assert.Equal(pool.Count, pool.Available);
        Assert.Equal(frames, CaptureFiles.Read(file));
        if (Prerequisite.FindOnPath("tshark") is string tshark)
        {
            string lines = VethNamespace.Run(tshark, "-r", file, "-T", "fields", "-e", "frame.len");
            Assert.Equal(101, lines.Split('\n').Count(l => int.TryParse(l, out _)));
        }
    }

    [Fact]
    public void A_tx_file_that_cannot_be_created_fails_at_creation()
    {
        string file = Path.Combine(_dir, "no-such-dir", "out.pcap");
        Assert.ThrowsAny<IOException>(() => new PcapFilePort(new PortId(2), "p2", null, null, false, file));
    }

    [Fact]
    public void Without_a_tx_file_sent_frames_are_dropped_as_port_down()
    {
        string file = Path.Combine(_dir, "in.pcap");
        CaptureFiles.Write(file, CaptureFiles.NumberedFrames(1));
        var pool = new PacketPool(8);
        using var port = new PcapFilePort(new PortId(2), "p2", file, null, false, null);
        PortPump.Send(port, CaptureFiles.NumberedFrames(3), pool);
        Assert.Equal(3, port.Stats.Tx[0].Drops[DropReason.PortDown]);
        Assert.Equal(pool.Count, pool.Available);
    }

    [Fact]
    public void Records_larger_than_a_packet_buffer_are_skipped_and_counted()
    {
        List<byte[]> frames = CaptureFiles.NumberedFrames(3);
        string file = Path.Combine(_dir, "big.pcap");
        CaptureFiles.Write(file, [frames[0], new byte[20_000], frames[1], new byte[65_000], frames[2]]);
        using var port = new PcapFilePort(new PortId(1), "p1", file, null, false, null);

        List<PortPump.Received> got = PortPump.Receive(port, 3, Patience);

        Assert.Equal(frames, got.Select(r => r.Frame));
        Assert.True(PortPump.WaitFor(() => port.GetStatus().Activity == "replay finished", Patience));
        Assert.Equal(2, port.GetStatus().Skipped);
        Assert.Equal(PortState.Up, port.State);
    }

    public static TheoryData<string> HostileFiles =>
        ["random-bytes", "truncated-header", "truncated-record", "absurd-caplen", "wrong-magic", "empty", "directory", "missing"];

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void A_hostile_rx_file_puts_the_port_in_error_with_a_reason(string kind)
    {
        string path = MakeHostile(kind);
        using var port = new PcapFilePort(new PortId(3), "bad", path, null, true, null);

        List<PortPump.Received> got = PortPump.Receive(port, 100, TimeSpan.FromSeconds(1));

        Assert.True(PortPump.WaitFor(() => port.State == PortState.Error, Patience), $"{kind}: state {port.State}");
        PcapPortStatus s = port.GetStatus();
        Assert.Equal("failed", s.Activity);
        Assert.False(string.IsNullOrWhiteSpace(s.LastError));
        Assert.Contains(path, s.LastError, StringComparison.Ordinal);
        // Frames before a bad record are delivered; nothing after it.
        Assert.Equal(kind == "truncated-record" ? 3 : 0, got.Count);
        Assert.Equal(0, port.Receive(0, new PacketBatch()));
    }

    private string MakeHostile(string kind)
    {
        string path = Path.Combine(_dir, kind + ".pcap");
        byte[] good = GoodFile(3);
        switch (kind)
        {
            case "random-bytes":
                File.WriteAllBytes(path, RandomBytes(4096));
                break;
            case "truncated-header":
                File.WriteAllBytes(path, good[..10]);
                break;
            case "truncated-record":
                // Three whole records, then a record header announcing 60 bytes followed by only 10.
                byte[] cut = [.. good, .. RecordHeader(60), .. new byte[10]];
                File.WriteAllBytes(path, cut);
                break;
            case "absurd-caplen":
                File.WriteAllBytes(path, [.. good[..24], .. RecordHeader(0x7fff_ff00), .. new byte[64]]);
                break;
            case "wrong-magic":
                good[0] = 0x12;
                good[1] = 0x34;
                File.WriteAllBytes(path, good);
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            case "missing":
                path = Path.Combine(_dir, "does-not-exist.pcap");
                break;
            default:
                throw new ArgumentException(kind);
        }
        return path;
    }

    private byte[] GoodFile(int frames)
    {
        string file = Path.Combine(_dir, $"good{Guid.NewGuid():N}.pcap");
        CaptureFiles.Write(file, CaptureFiles.NumberedFrames(frames));
        return File.ReadAllBytes(file);
    }

    private static byte[] RecordHeader(uint capLen)
    {
        var h = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), capLen);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(12), capLen);
        return h;
    }

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        new Random(1234).NextBytes(b);
        return b;
    }
}
