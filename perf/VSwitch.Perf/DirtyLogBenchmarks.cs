using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.Perf;

/// <summary>
/// What dirty logging (live migration) costs the two guest paths of a real vhost-user port: the same set-up as
/// <see cref="VhostUserPortBenchmarks"/> (session thread, unix socket, memfd guest memory, one batch of 32 frames per
/// invocation, no interrupts), negotiated as QEMU does, with the log <see cref="LogMode.Off"/> (no LOG_ALL), on with
/// every page already dirty (<see cref="LogMode.Dirty"/>: between two of QEMU's syncs, one byte load per write), or on
/// with the pages found clean at every batch (<see cref="LogMode.Clean"/>: right after a sync, a compare-exchange and a
/// counter add per page; the clearing of the few log bytes that cover the benchmark's rings and buffers is inside the
/// measured time). GuestReceive is switch to guest (data pages, headers and used ring marked); GuestTransmit is guest to
/// switch (used ring marked). Reported per packet (OperationsPerInvoke = 32).
/// </summary>
[MemoryDiagnoser]
public class DirtyLogBenchmarks
{
    /// <summary>How the dirty log stands during the run.</summary>
    public enum LogMode
    {
        /// <summary>No migration: LOG_ALL not acked, no log.</summary>
        Off,

        /// <summary>Logging, every page the switch writes already marked.</summary>
        Dirty,

        /// <summary>Logging, every page found clean at each batch (the log bytes are cleared before it).</summary>
        Clean,
    }

    private readonly PacketBatch _batch = new();
    private readonly PacketPool _pool = new(256);
    private string _dir = null!;
    private VhostUserPort _port = null!;
    private FakeFrontend _guest = null!;
    private Memfd? _log;
    private DriverSideQueue _transmitDriver = null!;
    private DriverSideQueue _receiveDriver = null!;
    private ushort[] _txHeads = null!;
    private ushort[] _rxHeads = null!;
    private int _nextRx;
    private int _clearFrom;
    private int _clearLength;

    [Params(64, 1518)]
    public int FrameSize { get; set; }

    [Params(LogMode.Off, LogMode.Dirty, LogMode.Clean)]
    public LogMode Log { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("vsw-perf-").FullName;
        string socket = Path.Combine(_dir, "p.sock");
        _port = VhostUserPort.Create(new VhostUserPortOptions { Name = "perf", SocketPath = socket, Mode = VhostUserMode.Server },
            new PortId(1), NullLogger.Instance);
        _port.Start();
        _guest = FakeFrontend.Connect(socket);
        bool logging = Log != LogMode.Off;
        _guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | (logging ? R.FeatureLogAll : 0));
        FakeFrontendRing transmit = _guest.Ring(1);
        FakeFrontendRing receive = _guest.Ring(0);
        transmit.Driver.SetAvailFlags(1);
        receive.Driver.SetAvailFlags(1);
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
        if (logging)
        {
            FakeFrontendRegion ram = _guest.Regions[0];
            int bytes = (int)((((ram.GuestBase + ram.Size) / 4096) + 7) / 8);
            _log = new Memfd(bytes);
            if (_guest.SetLogBase(_log.Fd, (ulong)bytes, 0).U64 != 0)
            {
                throw new InvalidOperationException("SET_LOG_BASE refused");
            }
            // Every ring and buffer lies between the region's start and the next free area.
            ulong end = _guest.AllocateArea(1);
            _clearFrom = (int)(ram.GuestBase / 4096 / 8);
            _clearLength = (int)(((end - ram.GuestBase) / 4096 / 8) + 1);
        }
        for (long deadline = Environment.TickCount64 + 10_000; _port.State != PortState.Up || _port.GetStatus().DirtyLogging != logging;)
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("the port did not come up with the asked logging");
            }
            Thread.Sleep(5);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.Error.WriteLine($"// {FrameSize} B, log {Log}: pages marked {_port.GetStatus().DirtyPagesMarked}");
        _port.Dispose();
        _guest.Dispose();
        _log?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Guest to switch: one batch received, freed and completed; the guest offers the same chains again.</summary>
    [Benchmark(OperationsPerInvoke = PacketBatch.Capacity)]
    public int GuestTransmit()
    {
        ClearIfClean();
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
    public int GuestReceive()
    {
        ClearIfClean();
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

    /// <summary>The frontend's sync, in miniature: clears the log bytes covering the benchmark's guest memory.</summary>
    private void ClearIfClean()
    {
        if (Log == LogMode.Clean)
        {
            _log!.Span(_clearFrom, _clearLength).Clear();
        }
    }
}
