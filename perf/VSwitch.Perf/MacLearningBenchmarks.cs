using BenchmarkDotNet.Attributes;
using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Learning;
using VSwitch.TestKit;

namespace VSwitch.Perf;

/// <summary>
/// MAC learning table operations per address, over 1,024 addresses learnt on 4 VLANs in a table of the default
/// size: lookup hit, lookup miss, and learning an address already known on the same port (the steady-state path of
/// NORMAL: no write within the refresh interval). Results are per operation.
/// </summary>
[MemoryDiagnoser]
public class MacLearningBenchmarks
{
    /// <summary>Addresses per invocation.</summary>
    public const int Count = 1024;

    private readonly ManualClock _clock = new() { NowMilliseconds = 1_000 };
    private MacLearningTable _table = null!;
    private MacAddress[] _known = [];
    private MacAddress[] _unknown = [];

    /// <summary>Fills the table.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _table = new MacLearningTable(_clock);
        var rng = new Random(42);
        _known = new MacAddress[Count];
        _unknown = new MacAddress[Count];
        for (int i = 0; i < Count; i++)
        {
            _known[i] = new MacAddress(((ulong)rng.NextInt64() & 0xfeff_ffff_ffffUL) | 0x0200_0000_0000UL);
            _unknown[i] = new MacAddress(_known[i].Value ^ 0x0000_0100_0000UL);
            _table.Learn((ushort)(i & 3), _known[i], new PortId((ushort)(1 + (i & 7))), _clock.NowMilliseconds);
        }
    }

    /// <summary>Lookups that find their address.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public int LookupHit()
    {
        int sum = 0;
        long now = _clock.NowMilliseconds;
        for (int i = 0; i < _known.Length; i++)
        {
            if (_table.TryLookup((ushort)(i & 3), _known[i], now, out PortId p))
            {
                sum += p.Value;
            }
        }
        return sum;
    }

    /// <summary>Lookups of addresses never learnt.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public int LookupMiss()
    {
        int sum = 0;
        long now = _clock.NowMilliseconds;
        for (int i = 0; i < _unknown.Length; i++)
        {
            if (_table.TryLookup((ushort)(i & 3), _unknown[i], now, out PortId p))
            {
                sum += p.Value;
            }
        }
        return sum;
    }

    /// <summary>Learning addresses already known on the same port within the refresh interval.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public int LearnKnown()
    {
        int sum = 0;
        long now = _clock.NowMilliseconds;
        for (int i = 0; i < _known.Length; i++)
        {
            sum += (int)_table.Learn((ushort)(i & 3), _known[i], new PortId((ushort)(1 + (i & 7))), now);
        }
        return sum;
    }
}
