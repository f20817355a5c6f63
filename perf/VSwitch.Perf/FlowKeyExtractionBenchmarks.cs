using BenchmarkDotNet.Attributes;
using VSwitch.Core.Net;
using VSwitch.Flows.Keys;
using VSwitch.TestKit;

namespace VSwitch.Perf;

/// <summary>
/// Flow key extraction per packet over a batch of 32 frames: all IPv4/TCP, and a mix of IPv4/TCP, IPv4/UDP,
/// 802.1Q IPv4, IPv6/TCP, ARP and QinQ IPv6; with and without computing the key's hash. Results are per frame.
/// </summary>
[MemoryDiagnoser]
public class FlowKeyExtractionBenchmarks
{
    private const int Batch = 32;
    private byte[][] _tcp = [];
    private byte[][] _mix = [];

    /// <summary>Builds the frames.</summary>
    [GlobalSetup]
    public void Setup()
    {
        byte[][] kinds =
        [
            PacketFactory.Ipv4Tcp(payloadLength: 10),
            PacketFactory.Ipv4Udp(payloadLength: 18),
            PacketFactory.WithVlan(PacketFactory.Ipv4Tcp(), 100, 3),
            PacketFactory.Ipv6Tcp(),
            PacketFactory.Arp(),
            PacketFactory.WithVlan(PacketFactory.WithVlan(PacketFactory.Ipv6Udp(), 10), 20, tpid: EtherType.QinQ),
        ];
        _tcp = new byte[Batch][];
        _mix = new byte[Batch][];
        for (int i = 0; i < Batch; i++)
        {
            _tcp[i] = PacketFactory.Ipv4Tcp(srcPort: (ushort)(1000 + i));
            _mix[i] = kinds[i % kinds.Length];
        }
    }

    /// <summary>IPv4/TCP frames only.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public ushort ExtractIpv4Tcp() => Extract(_tcp);

    /// <summary>The protocol mix.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public ushort ExtractMix() => Extract(_mix);

    /// <summary>The protocol mix, plus the hash the exact-match cache needs.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public uint ExtractAndHashMix()
    {
        uint sum = 0;
        byte[][] frames = _mix;
        for (int i = 0; i < frames.Length; i++)
        {
            FlowKeyExtractor.TryExtract(frames[i], 1, out FlowKey key);
            sum += key.ComputeHash();
        }
        return sum;
    }

    private static ushort Extract(byte[][] frames)
    {
        ushort sum = 0;
        for (int i = 0; i < frames.Length; i++)
        {
            FlowKeyExtractor.TryExtract(frames[i], 1, out FlowKey key);
            sum += key.TpDst;
        }
        return sum;
    }
}
