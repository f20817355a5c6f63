using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Model;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;
using VSwitch.Daemon.Pmd;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser;

namespace VSwitch.Perf;

/// <summary>
/// One whole datapath-thread iteration between two real vhost-user ports, as vswitchd runs it: the daemon's
/// <see cref="PmdThread"/> loop body (owned-queue walk, busy-time and queue-usage accounting) polls both ports, and
/// each batch goes Receive → pipeline (exact-match cache hit, <c>output:</c> flow) → Send to the other port →
/// CompleteReceive. Two fake front-ends negotiate like DPDK's virtio-user (mergeable buffers, no interrupts) and each
/// transmits a batch of 32 frames of 8 UDP flows per iteration, so one invocation moves 64 packets, 32 each way; after
/// it both guests offer the same transmit chains and 32 receive buffers again. Guest memory is in this CPU's cache
/// (one thread), so this measures instructions, not cross-CPU transfers. Reported per packet.
/// </summary>
[MemoryDiagnoser]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class PmdIterationBenchmarks
{
    private const int Batch = PacketBatch.Capacity;

    private readonly Side[] _sides = new Side[2];
    private string _dir = null!;
    private PmdThread _pmd = null!;

    /// <summary>Frame size in bytes.</summary>
    [Params(64, 1518)]
    public int FrameSize { get; set; }

    /// <summary>Builds both ports, the flows and the datapath thread (never started: the benchmark runs its loop body).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("vsw-perf-").FullName;
        IClock clock = MonotonicClock.Instance;
        var flows = new FlowTables(clock);
        var dpPorts = new DatapathPort[2];
        for (int i = 0; i < 2; i++)
        {
            string socket = Path.Combine(_dir, $"p{i}.sock");
            var port = VhostUserPort.Create(new VhostUserPortOptions { Name = $"p{i}", SocketPath = socket, Mode = VhostUserMode.Server },
                new PortId((ushort)(i + 1)), NullLogger.Instance);
            port.Start();
            FakeFrontend guest = FakeFrontend.Connect(socket);
            guest.NegotiateLikeDpdk(mergeable: true);
            for (long deadline = Environment.TickCount64 + 10_000; port.State != PortState.Up;)
            {
                if (Environment.TickCount64 > deadline)
                {
                    throw new TimeoutException("the port did not come up");
                }
                Thread.Sleep(5);
            }
            dpPorts[i] = new DatapathPort(port);
            flows.Add(FlowParser.ParseFlow($"priority=10,in_port={i + 1},actions=output:{2 - i}", clock));
            _sides[i] = new Side(port, guest, FrameSize, i);
        }
        var datapath = new SwitchDatapath(new DatapathConfig(dpPorts, flows.Build(), new MacLearningTable(clock)), clock);
        _pmd = new PmdThread(datapath, 0, 1, null, PmdMode.Busy, NullLogger.Instance);
        for (int i = 0; i < 16; i++)
        {
            Forward();
        }
    }

    /// <summary>Closes the ports and the front-ends.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Side side in _sides)
        {
            side.Port.Dispose();
            side.Guest.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>One loop iteration (64 packets), then both guests re-offer their buffers.</summary>
    [Benchmark(OperationsPerInvoke = 2 * Batch)]
    public int Forward()
    {
        int n = _pmd.Iterate();
        _sides[0].Refill();
        _sides[1].Refill();
        return n;
    }

    private sealed class Side
    {
        private readonly DriverSideQueue _transmit;
        private readonly DriverSideQueue _receive;
        private readonly ushort[] _txHeads = new ushort[Batch];
        private readonly ushort[] _rxHeads;
        private int _nextRx;

        public Side(VhostUserPort port, FakeFrontend guest, int frameSize, int index)
        {
            Port = port;
            Guest = guest;
            FakeFrontendRing transmit = guest.Ring(1);
            FakeFrontendRing receive = guest.Ring(0);
            transmit.Driver.SetAvailFlags(1);
            receive.Driver.SetAvailFlags(1);
            for (int i = 0; i < Batch; i++)
            {
                byte[] frame = PacketFactory.Ipv4Udp(srcPort: (ushort)(1000 + (i % 8)), payloadLength: frameSize - 42,
                    ethSrc: new MacAddress(0x02_00_00_00_20_00UL + (uint)index), ethDst: new MacAddress(0x02_00_00_00_20_00UL + (uint)(1 - index)));
                _txHeads[i] = transmit.Transmit(frame, publish: false);
            }
            transmit.Driver.PublishAvail();
            _rxHeads = receive.PostReceiveBuffers(128);
            _transmit = transmit.Driver;
            _receive = receive.Driver;
        }

        public VhostUserPort Port { get; }

        public FakeFrontend Guest { get; }

        /// <summary>Offers the same transmit chains and the next 32 receive buffers again.</summary>
        public void Refill()
        {
            for (int i = 0; i < _txHeads.Length; i++)
            {
                _transmit.PushAvail(_txHeads[i]);
            }
            _transmit.PublishAvail();
            for (int i = 0; i < Batch; i++)
            {
                _receive.PushAvail(_rxHeads[_nextRx]);
                _nextRx = (_nextRx + 1) % _rxHeads.Length;
            }
            _receive.PublishAvail();
        }
    }
}
