using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Queue;

/// <summary>
/// Seeded properties over random (mostly hostile) descriptor tables and avail rings: the walker terminates within its
/// bound and never throws; rx and tx never throw, never write outside guest memory, and never leak pool buffers.
/// </summary>
public sealed class HostileRingPropertyTests
{
    private const ulong Main = 0x100_0000;
    private const int MainSize = 1 << 20;
    private const ulong Adjacent = Main + MainSize;   // a second region right after the first
    private const ulong Far = 0x8000_0000;

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < 200; i++)
        {
            data.Add(i);
        }
        return data;
    }

    private static FakeGuestMemory NewMemory() =>
        new([(Main, MainSize), (Adjacent, 64 << 10), (Far, 64 << 10)], guardBytes: 8192);

    private static ulong RandomAddress(Random r, ulong scratch)
    {
        return r.Next(10) switch
        {
            0 => Main + MainSize - (ulong)r.Next(1, 256),       // near the end: may straddle into the next region
            1 => Adjacent + (ulong)r.Next(64 << 10),
            2 => Far + (ulong)r.Next(64 << 10),
            3 => (ulong)r.NextInt64(),                            // anywhere
            4 => ulong.MaxValue - (ulong)r.Next(64),
            5 => Far - (ulong)r.Next(1, 64),                      // just below a region
            _ => scratch + (ulong)r.Next(0, 32 << 10),            // inside, valid
        };
    }

    private static uint RandomLength(Random r) => r.Next(8) switch
    {
        0 => 0,
        1 => uint.MaxValue - (uint)r.Next(16),
        2 => (uint)r.Next(1, 1 << 20),
        3 => (uint)(16 * r.Next(1, 40)),                          // plausible indirect table sizes
        _ => (uint)r.Next(1, 2048),
    };

    private static void Randomize(Random r, DriverSideQueue driver, FakeGuestMemory fake, ulong scratch)
    {
        int size = driver.QueueSize;
        // Scratch area: random bytes, some of which are read as indirect tables.
        r.NextBytes(fake.Span(scratch, 32 << 10));
        for (ushort i = 0; i < size; i++)
        {
            ushort flags = (ushort)r.Next(8);
            ushort next = (ushort)(r.Next(4) == 0 ? r.Next(65536) : r.Next(size + 2));
            driver.WriteDescriptor(i, RandomAddress(r, scratch), RandomLength(r), flags, next);
        }
        for (int i = 0; i < size; i++)
        {
            driver.PushAvail((ushort)(r.Next(8) == 0 ? r.Next(65536) : r.Next(size)));
        }
        int idx = r.Next(4) == 0 ? r.Next(65536) : r.Next(size + 1);
        driver.SetAvailIdxRaw((ushort)idx);
        driver.SetUsedEvent((ushort)r.Next(65536));
        driver.SetAvailFlags((ushort)r.Next(2));
    }

    private static (DriverSideQueue Driver, SplitQueue Queue, ulong Scratch) Build(Random r, FakeGuestMemory fake)
    {
        ushort size = (ushort)(1 << r.Next(0, 9));
        var driver = new DriverSideQueue(fake, size, Main, MainSize);
        ulong scratch = driver.Allocate(32 << 10, alignment: 4096);
        var queue = new SplitQueue();
        driver.Configure(queue, eventIdx: r.Next(2) == 0);
        Assert.True(queue.TryValidate(fake.Memory));
        Randomize(r, driver, fake, scratch);
        return (driver, queue, scratch);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Walker_terminates_within_bound_and_never_throws(int seed)
    {
        var r = new Random(seed);
        var fake = NewMemory();
        var (driver, queue, _) = Build(r, fake);

        for (int head = 0; head < driver.QueueSize + 4; head++)
        {
            var walker = new DescriptorChainWalker(fake.Memory, queue, (ushort)head);
            int steps = 0;
            ChainStatus s;
            while ((s = walker.Next(out Descriptor d)) == ChainStatus.Ok)
            {
                steps++;
                Assert.True(d.Length == 0 || fake.Memory.TryGetSpan(d.Address, Math.Min(d.Length, int.MaxValue), out _) || d.Length > int.MaxValue);
                Assert.True(steps <= driver.QueueSize + (int)DescriptorChainWalker.MaxIndirectEntries, "walker exceeded its bound");
            }
            Assert.True(walker.TotalLength <= DescriptorChainWalker.MaxChainBytes);
            Assert.Equal(s, walker.Next(out _));
        }
        Assert.True(fake.GuardsIntact());
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Rx_and_tx_survive_random_rings_without_touching_memory_outside(int seed)
    {
        var r = new Random(seed);
        var fake = NewMemory();
        var (driver, queue, _) = Build(r, fake);
        var pool = new PacketPool(64);
        var batch = new PacketBatch();
        var stats = new QueueStats();
        bool mergeable = r.Next(2) == 0;
        int header = mergeable || r.Next(2) == 0 ? VirtioNetHeader.Size : VirtioNetHeader.LegacySize;

        if (r.Next(2) == 0)
        {
            var rx = new VirtioNetRx(queue);
            for (int round = 0; round < 4; round++)
            {
                rx.Receive(fake.Memory, batch, pool, header, r.Next(2) == 0, stats);
                batch.FreeAll();
                rx.Complete(fake.Memory, null);
            }
        }
        else
        {
            var tx = new VirtioNetTx(queue);
            for (int round = 0; round < 4; round++)
            {
                for (int i = 0; i < 8; i++)
                {
                    pool.TryRent(out PacketBuffer? p);
                    p!.TrySetLength(r.Next(0, 3000));
                    batch.TryAdd(p);
                }
                tx.Send(fake.Memory, batch, mergeable, header, null, stats);
                Assert.Equal(0, batch.Count);
            }
        }

        Assert.Equal(64, pool.Available);
        Assert.True(fake.GuardsIntact());
        Assert.True(stats.Packets + stats.Drops.Total >= 0);
    }
}
