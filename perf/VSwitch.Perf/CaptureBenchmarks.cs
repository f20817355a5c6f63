using BenchmarkDotNet.Attributes;
using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;
using VSwitch.Datapath.Capture;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Ports.Dummy;
using VSwitch.TestKit;

namespace VSwitch.Perf;

/// <summary>
/// The cost of capture on the forwarding path: two Dummy ports forwarding 64-byte UDP frames to each other with
/// <c>output:</c> flows (as <see cref="PipelineBenchmarks"/>), with no capture, with a capture of both directions on
/// both ports whose ring is drained between polls (every frame is copied: the writer keeps up), and with a capture
/// whose ring is full (every frame costs a failed claim and a counter: the writer fell behind). Per packet forwarded.
/// </summary>
[MemoryDiagnoser]
public class CaptureBenchmarks
{
    /// <summary>Receive polls per invocation (each returns a full batch of 32).</summary>
    public const int Polls = 64;

    private DummyPort[] _ports = [];
    private PmdContext _pmd = null!;
    private CaptureSink? _sink;

    /// <summary>What the capture does.</summary>
    public enum CaptureMode
    {
        /// <summary>No capture attached (the per-batch null check only).</summary>
        Off,

        /// <summary>Both directions on both ports, the ring drained after each poll.</summary>
        OnKeepingUp,

        /// <summary>Both directions on both ports, the ring never drained (full).</summary>
        OnRingFull,
    }

    /// <summary>The capture in use.</summary>
    [Params(CaptureMode.Off, CaptureMode.OnKeepingUp, CaptureMode.OnRingFull)]
    public CaptureMode Mode { get; set; }

    /// <summary>Builds the switch and attaches the capture.</summary>
    [GlobalSetup]
    public void Setup()
    {
        IClock clock = MonotonicClock.Instance;
        var flows = new FlowTables(clock);
        _ports = new DummyPort[2];
        var dpPorts = new DatapathPort[2];
        if (Mode != CaptureMode.Off)
        {
            _sink = new CaptureSink(new CaptureRing(4096, 128), CaptureDirections.Rx | CaptureDirections.Tx);
        }
        for (int i = 0; i < 2; i++)
        {
            _ports[i] = new DummyPort(new PortId((ushort)(i + 1)), $"p{i + 1}", poolSize: 128) { RecordSent = false };
            dpPorts[i] = new DatapathPort(_ports[i]);
            if (_sink is not null)
            {
                dpPorts[i].Capture.Attach(new CaptureTap(_sink, i));
            }
            int next = (i + 1) % 2;
            _ports[i].LoadGenerator([PacketFactory.Ipv4Udp(payloadLength: 18, ethSrc: Host(i), ethDst: Host(next))]);
            flows.Add(FlowParser.ParseFlow($"priority=10,in_port={i + 1},actions=output:{next + 1}", clock));
        }
        var datapath = new SwitchDatapath(new DatapathConfig(dpPorts, flows.Build(), new MacLearningTable(clock)), clock);
        _pmd = datapath.CreatePmd(0, new Core.Packets.PacketPool(512, 2048));
        for (int round = 0; round < 4; round++)
        {
            Forward();
        }
        if (Mode == CaptureMode.OnRingFull)
        {
            while (_sink!.Ring.TryWrite([0], 0, 0, CaptureKind.Rx, default))
            {
            }
        }
    }

    /// <summary>Polls the two ports alternately, 32 packets per poll; drains the ring after each poll when keeping up.</summary>
    [Benchmark(OperationsPerInvoke = Polls * 32)]
    public int Forward()
    {
        int n = 0;
        for (int k = 0; k < Polls; k++)
        {
            n += _pmd.PollOnce(_ports[k & 1], 0);
            if (Mode == CaptureMode.OnKeepingUp)
            {
                CaptureRing ring = _sink!.Ring;
                while (ring.TryPeek(out _, out _))
                {
                    ring.Release();
                }
            }
        }
        return n;
    }

    private static MacAddress Host(int i) => new(0x02_00_00_00_10_00UL + (uint)i);
}
