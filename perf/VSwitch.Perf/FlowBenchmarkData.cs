using System.Globalization;
using System.Runtime.InteropServices;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;

namespace VSwitch.Perf;

/// <summary>
/// Flow tables and packet keys for the flow benchmarks: wildcard rules spread over ten mask shapes
/// (L2 forwarding, IPv4 prefixes, 5-tuple-ish ACLs, VLAN, IPv6, ARP), so a table of any size has at most
/// eleven subtables including the default flow. Deterministic (fixed seed).
/// </summary>
public static class FlowBenchmarkData
{
    /// <summary>A table with the default flow plus <paramref name="rules"/> wildcard flows.</summary>
    public static FlowTables Table(int rules)
    {
        var clock = new ManualClock();
        var table = new FlowTables(clock);
        for (int i = 0; i < rules; i++)
        {
            table.Add(FlowParser.ParseFlow(RuleText(i), clock));
        }
        return table;
    }

    /// <summary>
    /// <paramref name="count"/> keys: three in four satisfy a random flow of <paramref name="table"/> (random bits
    /// where the flow does not care), one in four matches only the default flow.
    /// </summary>
    public static FlowKey[] Keys(FlowTables table, int count, int seed = 42)
    {
        var rng = new Random(seed);
        var keys = new FlowKey[count];
        for (int i = 0; i < count; i++)
        {
            FlowKey noise = default;
            rng.NextBytes(MemoryMarshal.AsBytes(new Span<FlowKey>(ref noise)));
            noise.DlType = 0x88cc;
            if (rng.Next(4) != 0 && table.Count > 1)
            {
                FlowRule r = table.Rules[1 + rng.Next(table.Count - 1)];
                FlowKey value = r.Match.Key;
                FlowMask mask = r.Match.Mask;
                Span<byte> n = MemoryMarshal.AsBytes(new Span<FlowKey>(ref noise));
                ReadOnlySpan<byte> m = MemoryMarshal.AsBytes(new ReadOnlySpan<FlowMask>(in mask));
                ReadOnlySpan<byte> v = MemoryMarshal.AsBytes(new ReadOnlySpan<FlowKey>(in value));
                for (int b = 0; b < n.Length; b++)
                {
                    n[b] = (byte)((n[b] & ~m[b]) | v[b]);
                }
            }
            keys[i] = noise;
        }
        return keys;
    }

    private static string RuleText(int i)
    {
        int v = i / 10;
        int hi = (v >> 8) & 0xff;
        int lo = v & 0xff;
        int priority = 1 + (int)((i * 7919L) % 1000);
        string match = (i % 10) switch
        {
            0 => $"in_port={1 + (v % 16)},dl_dst=02:00:00:00:{hi:x2}:{lo:x2}",
            1 => $"ip,nw_dst=10.{hi}.{lo}.0/24",
            2 => $"ip,nw_src=172.{16 + (v % 16)}.0.0/16,nw_dst=10.{hi}.{lo}.1",
            3 => $"tcp,nw_dst=10.{hi}.{lo}.2,tp_dst={80 + (v % 100)}",
            4 => $"udp,tp_dst={1000 + v}",
            5 => $"dl_vlan={1 + (v % 4094)},dl_dst=02:00:00:01:{hi:x2}:{lo:x2}",
            6 => $"ipv6,ipv6_dst=2001:db8:{v:x}::/64",
            7 => $"arp,arp_tpa=10.{hi}.{lo}.3",
            8 => $"tcp,nw_src=192.168.{lo}.0/24,nw_dst=10.{hi}.0.0/16,tp_dst=22,tcp_flags=+syn",
            _ => $"in_port={1 + v}",
        };
        return string.Create(CultureInfo.InvariantCulture, $"priority={priority},{match},actions=output:{1 + (i % 8)}");
    }
}
