using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser;

namespace VSwitch.Perf;

/// <summary>
/// The datapath side of a real vhost-user port: a <see cref="VhostUserPort"/> with its session thread, negotiated over
/// a unix socket by the test front-end as DPDK's virtio-user does, guest memory in a memfd. One invocation is one batch
/// of 32 frames through <see cref="VhostUserPort.Receive"/> + <see cref="VhostUserPort.CompleteReceive"/> (guest
/// transmit ring) or <see cref="VhostUserPort.Send"/> (guest receive ring), with the fake guest offering the same
/// buffers again; so it measures what the port adds over the Virtio layer (busy flag, snapshot, checks, notification).
/// With <see cref="Interrupts"/> the guest asks for interrupts (one call-eventfd write per batch); without, it sets
/// VRING_AVAIL_F_NO_INTERRUPT as DPDK's polling driver does. Reported per packet (OperationsPerInvoke = 32).
/// </summary>
[MemoryDiagnoser]
public class VhostUserPortBenchmarks
{
    private readonly PacketBatch _batch = new();
    private readonly PacketPool _pool = new(256);
    private string _dir = null!;
    private VhostUserPort _port = null!;
    private FakeFrontend _guest = null!;
    private DriverSideQueue _transmitDriver = null!;
    private DriverSideQueue _receiveDriver = null!;
    private ushort[] _txHeads = null!;
    private ushort[] _rxHeads = null!;
    private int _nextRx;

    [Params(64, 1518)]
    public int FrameSize { get; set; }

    [Params(false, true)]
    public bool Interrupts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("vsw-perf-").FullName;
        string socket = Path.Combine(_dir, "p.sock");
        _port = VhostUserPort.Create(new VhostUserPortOptions { Name = "perf", SocketPath = socket, Mode = VhostUserMode.Server },
            new PortId(1), NullLogger.Instance);
        _port.Start();
        _guest = FakeFrontend.Connect(socket);
        _guest.NegotiateLikeDpdk();
        for (long deadline = Environment.TickCount64 + 10_000; _port.State != PortState.Up;)
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("the port did not come up");
            }
            Thread.Sleep(5);
        }
        FakeFrontendRing transmit = _guest.Ring(1);
        FakeFrontendRing receive = _guest.Ring(0);
        ushort flags = Interrupts ? (ushort)0 : (ushort)1;
        transmit.Driver.SetAvailFlags(flags);
        receive.Driver.SetAvailFlags(flags);
        byte[] frame = new byte[FrameSize];
        frame.AsSpan(0, 6).Fill(0xff);
        _txHeads = new ushort[PacketBatch.Capacity];
        for (int i = 0; i < _txHeads.Length; i++)
        {
            _txHeads[i] = transmit.Transmit(frame, publish: false);
        }
        transmit.Driver.PublishAvail();
        _rxHeads = receive.PostReceiveBuffers(128);
        _transmitDriver = transmit.Driver;
        _receiveDriver = receive.Driver;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _port.Dispose();
        _guest.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Guest to switch: one batch received, freed and completed; the guest offers the same chains again.</summary>
    [Benchmark(OperationsPerInvoke = PacketBatch.Capacity)]
    public int Receive()
    {
        int n = _port.Receive(0, _batch);
        _batch.FreeAll();
        _port.CompleteReceive(0);
        DriverSideQueue driver = _transmitDriver;
        for (int i = 0; i < _txHeads.Length; i++)
        {
            driver.PushAvail(_txHeads[i]);
        }
        driver.PublishAvail();
        return n;
    }

    /// <summary>Switch to guest: one batch sent; the guest offers the consumed chains again.</summary>
    [Benchmark(OperationsPerInvoke = PacketBatch.Capacity)]
    public int Send()
    {
        for (int i = 0; i < PacketBatch.Capacity; i++)
        {
            _pool.TryRent(out PacketBuffer? p);
            p!.TrySetLength(FrameSize);
            _batch.TryAdd(p);
        }
        _port.Send(0, _batch);
        DriverSideQueue driver = _receiveDriver;
        for (int i = 0; i < PacketBatch.Capacity; i++)
        {
            driver.PushAvail(_rxHeads[_nextRx]);
            _nextRx = (_nextRx + 1) % _rxHeads.Length;
        }
        driver.PublishAvail();
        return PacketBatch.Capacity;
    }
}
