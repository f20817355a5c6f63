using BenchmarkDotNet.Attributes;
using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Ports.Dummy;
using VSwitch.TestKit;

namespace VSwitch.Perf;

/// <summary>
/// The whole datapath on one thread, Dummy port to Dummy port: receive (pool rent + 64-byte copy), key extraction,
/// exact-match cache hit, per-flow batching, actions, transmit (count and free). Port i sends 64-byte UDP frames
/// of 8 flows to the host behind port i+1; MAC addresses are learnt during setup, so NORMAL forwards unicast.
/// Results are per packet: Mpps = 1000 / (ns per packet).
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    /// <summary>Receive polls per invocation (each returns a full batch of 32).</summary>
    public const int Polls = 64;

    private DummyPort[] _ports = [];
    private PmdContext _pmd = null!;

    /// <summary>What forwards the packets.</summary>
    public enum Forwarding
    {
        /// <summary>The default flow, actions=normal (MAC learning).</summary>
        Normal,

        /// <summary>One flow per input port, in_port=i,actions=output:i+1.</summary>
        Output,

        /// <summary>
        /// Three tables in the shape Faucet installs: VLAN admission by in_port (table 0), source MAC (table 1), destination
        /// MAC to output (table 2); once translated, one cached flow per packet as for one table.
        /// </summary>
        ThreeTables,
    }

    /// <summary>Number of ports, all sending.</summary>
    [Params(2, 16)]
    public int Ports { get; set; }

    /// <summary>The flow table in use.</summary>
    [Params(Forwarding.Normal, Forwarding.Output, Forwarding.ThreeTables)]
    public Forwarding Mode { get; set; }

    /// <summary>Builds the switch, loads the generators and warms the caches and the MAC table.</summary>
    [GlobalSetup]
    public void Setup()
    {
        IClock clock = MonotonicClock.Instance;
        var flows = new FlowTables(clock);
        _ports = new DummyPort[Ports];
        var dpPorts = new DatapathPort[Ports];
        for (int i = 0; i < Ports; i++)
        {
            _ports[i] = new DummyPort(new PortId((ushort)(i + 1)), $"p{i + 1}", poolSize: 128) { RecordSent = false };
            dpPorts[i] = new DatapathPort(_ports[i]);
            int next = (i + 1) % Ports;
            var frames = new List<byte[]>();
            for (int f = 0; f < 8; f++)
            {
                frames.Add(PacketFactory.Ipv4Udp(srcPort: (ushort)(1000 + f), payloadLength: 18, ethSrc: Host(i), ethDst: Host(next)));
            }
            _ports[i].LoadGenerator(frames);
            if (Mode == Forwarding.Output)
            {
                flows.Add(FlowParser.ParseFlow($"priority=10,in_port={i + 1},actions=output:{next + 1}", clock));
            }
            else if (Mode == Forwarding.ThreeTables)
            {
                flows.Add(FlowParser.ParseFlow($"table=0,priority=10,in_port={i + 1},vlan_tci=0/0x1fff,actions=write_metadata:0x64/0xfff,goto_table:1", clock));
                flows.Add(FlowParser.ParseFlow($"table=1,priority=10,metadata=0x64/0xfff,dl_src={Host(i)},actions=goto_table:2", clock));
                flows.Add(FlowParser.ParseFlow($"table=2,priority=10,metadata=0x64/0xfff,dl_dst={Host(next)},actions=output:{next + 1}", clock));
            }
        }
        var config = new DatapathConfig(dpPorts, flows.Build(), new MacLearningTable(clock));
        var datapath = new SwitchDatapath(config, clock);
        _pmd = datapath.CreatePmd(0, new Core.Packets.PacketPool(512, 2048));
        for (int round = 0; round < 4; round++)
        {
            foreach (DummyPort p in _ports)
            {
                _pmd.PollOnce(p, 0);
            }
        }
    }

    /// <summary>Polls the ports round-robin, 32 packets per poll.</summary>
    [Benchmark(OperationsPerInvoke = Polls * 32)]
    public int Forward()
    {
        DummyPort[] ports = _ports;
        int n = 0;
        for (int k = 0; k < Polls; k++)
        {
            n += _pmd.PollOnce(ports[k % ports.Length], 0);
        }
        return n;
    }

    private static MacAddress Host(int i) => new(0x02_00_00_00_10_00UL + (uint)i);
}
