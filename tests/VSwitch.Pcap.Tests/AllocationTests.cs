using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Pcap.Tests;

/// <summary>The datapath side of the pcap ports allocates nothing per frame (receive and send, file and live).</summary>
[Collection(LiveCollection.Name)]
public sealed class AllocationTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _dir;

    public AllocationTests(ITestOutputHelper output)
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        _output = output;
        _dir = Directory.CreateTempSubdirectory("vspcap").FullName;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void File_port_receive_and_send_allocate_nothing_per_frame()
    {
        string rx = Path.Combine(_dir, "in.pcap");
        CaptureFiles.Write(rx, CaptureFiles.NumberedFrames(64));
        using var port = new PcapFilePort(new PortId(1), "p", rx, null, true, Path.Combine(_dir, "out.pcap"));
        var batch = new PacketBatch();
        Pump(port, batch, 5_000);
        long frames = 0;
        long allocated = Allocations.SteadyState(() => frames = Pump(port, batch, 20_000));

        _output.WriteLine($"{frames} frames received and recorded, {allocated} bytes allocated on the datapath thread");
        Assert.True(frames >= 20_000);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Live_port_receive_and_send_allocate_nothing_per_frame()
    {
        Prerequisite.Require(VethNamespace.Available, "root and iproute2 for network namespaces");
        using VethNamespace veth = VethNamespace.Create("10.98.0.1/24", "02:00:00:98:00:01");
        using PcapLivePort port = PcapLivePort.Open(new PortId(1), "live", veth.HostEnd);
        var pool = new PacketPool(64);
        var batch = new PacketBatch();
        List<byte[]> frames = CaptureFiles.NumberedFrames(32);
        for (int i = 0; i < 100; i++)
        {
            SendAll(port, pool, batch, frames);
            port.Receive(0, batch);
            batch.FreeAll();
        }
        long sent = 0;
        long allocated = Allocations.SteadyState(() =>
        {
            long sentBefore = port.Stats.TxPackets;
            for (int i = 0; i < 100; i++)
            {
                SendAll(port, pool, batch, frames);
                port.Receive(0, batch);
                batch.FreeAll();
            }
            sent = port.Stats.TxPackets - sentBefore;
        });

        _output.WriteLine($"{sent} frames injected in the last run, {allocated} bytes allocated on the datapath thread");
        Assert.Equal(3200, sent);
        Assert.Equal(0, allocated);
    }

    private static void SendAll(IPort port, PacketPool pool, PacketBatch batch, List<byte[]> frames)
    {
        for (int i = 0; i < frames.Count; i++)
        {
            pool.TryRent(out PacketBuffer? p);
            p!.TryCopyFrom(frames[i]);
            batch.TryAdd(p);
        }
        port.Send(0, batch);
    }

    /// <summary>Receives at least <paramref name="frames"/> frames and sends each batch back to the same port's tx file.</summary>
    private static long Pump(PcapFilePort port, PacketBatch batch, long frames)
    {
        long got = 0;
        long polls = 0;
        while (got < frames && polls++ < 50_000_000)
        {
            int n = port.Receive(0, batch);
            got += n;
            if (n == 0)
            {
                Thread.Yield();
                continue;
            }
            port.Send(0, batch);
        }
        return got;
    }
}
