using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Learning;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Datapath.Tests.Learning;

/// <summary>
/// Differential test: random operation sequences (fixed seeds) run against the table and against a trivially
/// correct model (a dictionary with least-recently-seen eviction and the same refresh rule).
/// </summary>
public sealed class MacLearningModelTests
{
    private const int AgingSeconds = 15;

    [Theory]
    [InlineData(1, 8192)]
    [InlineData(2, 8192)]
    [InlineData(3, 8192)]
    [InlineData(4, 24)]
    [InlineData(5, 24)]
    [InlineData(6, 5)]
    public void The_table_behaves_like_a_dictionary_model(int seed, int maxEntries)
    {
        var rng = new Random(seed);
        var clock = new ManualClock { NowMilliseconds = 10_000 };
        var table = new MacLearningTable(clock, agingSeconds: AgingSeconds);
        table.MaxEntries = maxEntries;
        var model = new Dictionary<(ushort Vlan, ulong Mac), (ushort Port, long SeenMs)>();
        for (int step = 0; step < 20_000; step++)
        {
            clock.NowMilliseconds += 1 + rng.Next(400);
            long now = clock.NowMilliseconds;
            ushort vlan = (ushort)rng.Next(3);
            var mac = new MacAddress(0x02_00_00_00_00_00UL | (uint)rng.Next(40));
            ushort port = (ushort)(1 + rng.Next(4));
            int op = rng.Next(100);
            if (op < 60)
            {
                table.Learn(vlan, mac, new PortId(port), now);
                ModelLearn(model, vlan, mac.Value, port, now, maxEntries);
            }
            else if (op < 98)
            {
                bool found = table.TryLookup(vlan, mac, now, out PortId got);
                bool expected = model.TryGetValue((vlan, mac.Value), out var e) && now - e.SeenMs < AgingSeconds * 1000L;
                Assert.True(expected == found, $"seed {seed} step {step}: lookup {vlan}/{mac} found={found}, model={expected}");
                if (found)
                {
                    Assert.Equal(e.Port, got.Value);
                }
            }
            else if (op < 99)
            {
                int removed = table.RemovePort(new PortId(port));
                int expected = 0;
                foreach (var k in model.Where(kv => kv.Value.Port == port).Select(kv => kv.Key).ToList())
                {
                    model.Remove(k);
                    expected++;
                }
                Assert.Equal(expected, removed);
            }
            else
            {
                int removed = table.RemoveExpired();
                int expected = 0;
                foreach (var k in model.Where(kv => now - kv.Value.SeenMs >= AgingSeconds * 1000L).Select(kv => kv.Key).ToList())
                {
                    model.Remove(k);
                    expected++;
                }
                Assert.Equal(expected, removed);
            }
            Assert.Equal(model.Count, table.Count);
        }
    }

    private static void ModelLearn(Dictionary<(ushort, ulong), (ushort Port, long SeenMs)> model,
        ushort vlan, ulong mac, ushort port, long now, int maxEntries)
    {
        if (model.TryGetValue((vlan, mac), out var e))
        {
            if (e.Port != port)
            {
                model[(vlan, mac)] = (port, now);
            }
            else if (now - e.SeenMs >= MacLearningTable.RefreshIntervalMs)
            {
                model[(vlan, mac)] = (port, now);
            }
            return;
        }
        if (model.Count >= maxEntries)
        {
            var oldest = model.MinBy(kv => kv.Value.SeenMs).Key;
            model.Remove(oldest);
        }
        model[(vlan, mac)] = (port, now);
    }
}
