using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// The single-descriptor fast paths of <see cref="VirtioNetRx"/> and <see cref="VirtioNetTx"/> against the descriptor
/// walker, differentially: for each seed, two identical <see cref="RandomRingWorld"/>s (random and hostile rings), one
/// served with the fast path and one with every chain walked, the same calls on both, and after every call everything
/// observable must be equal: packets and their bytes, packet, byte and per-reason drop counters, held heads, the
/// interrupt decision, queue positions and broken state, every byte of guest memory (written buffers, used ring) and
/// the dirty log. Neither may write outside the regions (poisoned guards); reads outside cannot happen, as GuestMemory
/// is the only door. A last test checks that the seeds really drive both paths and reach every verdict.
/// </summary>
public sealed class FastPathDifferentialTests(ITestOutputHelper output)
{
    private const int SeedCount = 300;
    private const int Rounds = 4;
    private const int LogBytes = (int)((RandomRingWorld.Adjacent + RandomRingWorld.AdjacentSize) / DirtyLog.PageSize / 8);

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < SeedCount; i++)
        {
            data.Add(i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Rx_fast_path_and_walker_agree_on_random_rings(int seed) => RunRx(seed, new Tally());

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Tx_fast_path_and_walker_agree_on_random_rings(int seed) => RunTx(seed, new Tally());

    [Fact]
    public void Seeds_drive_both_paths_and_reach_every_verdict()
    {
        var rx = new Tally();
        var tx = new Tally();
        for (int seed = 0; seed < SeedCount; seed++)
        {
            RunRx(seed, rx);
            RunTx(seed, tx);
        }

        output.WriteLine(rx.Describe("rx"));
        output.WriteLine(tx.Describe("tx"));
        // Chains a fast path can take (one descriptor, right direction, in memory) and chains only the walker takes.
        Assert.True(rx.SingleTaken > 2000, $"rx: only {rx.SingleTaken} single-descriptor chains taken");
        Assert.True(rx.OtherTaken > 500, $"rx: only {rx.OtherTaken} other chains taken");
        Assert.True(tx.SingleTaken > 2000, $"tx: only {tx.SingleTaken} single-descriptor chains taken");
        Assert.True(tx.OtherTaken > 500, $"tx: only {tx.OtherTaken} other chains taken");
        Assert.True(rx.Packets > 1000 && tx.Packets > 1000, $"packets: rx {rx.Packets}, tx {tx.Packets}");
        foreach (DropReason reason in new[]
        {
            DropReason.RxRunt, DropReason.PacketTooLarge, DropReason.PoolExhausted, DropReason.RxChainInvalid,
            DropReason.GuestAddressUnmapped, DropReason.QueueBroken,
        })
        {
            Assert.True(rx.Drops[reason] > 0, $"rx: no seed dropped a packet as {reason}");
        }
        foreach (DropReason reason in new[]
        {
            DropReason.TxNoGuestBuffer, DropReason.PacketTooLarge, DropReason.RxChainInvalid,
            DropReason.GuestAddressUnmapped, DropReason.QueueBroken,
        })
        {
            Assert.True(tx.Drops[reason] > 0, $"tx: no seed dropped a packet as {reason}");
        }
        foreach (ChainStatus status in new[]
        {
            ChainStatus.Loop, ChainStatus.OutOfRange, ChainStatus.BadIndirect, ChainStatus.TooLong, ChainStatus.BadHead,
            ChainStatus.AvailIndexJump, ChainStatus.WrongDirection,
        })
        {
            Assert.True(rx.Broken.Contains(status), $"rx: no seed broke a queue with {status}");
            Assert.True(tx.Broken.Contains(status), $"tx: no seed broke a queue with {status}");
        }
    }

    private static void RunRx(int seed, Tally tally)
    {
        var choices = new Random(RandomRingWorld.MixSeed(seed, 2));
        int headerSize = choices.Next(3) switch { 0 => 0, 1 => VirtioNetHeader.LegacySize, _ => VirtioNetHeader.Size };
        int poolCount = choices.Next(3) switch { 0 => 2, 1 => 8, _ => 64 };
        int dataRoom = choices.Next(2) == 0 ? 2048 : PacketPool.DefaultDataRoom;
        var fast = new Side(new RandomRingWorld(seed, deviceWrites: false, headerSize), new PacketPool(poolCount, dataRoom));
        var walked = new Side(new RandomRingWorld(seed, deviceWrites: false, headerSize), new PacketPool(poolCount, dataRoom));
        var fastRx = new VirtioNetRx(fast.World.Queue);
        var walkedRx = new VirtioNetRx(walked.World.Queue, singleDescriptorFastPath: false);

        for (int round = 0; round < Rounds; round++)
        {
            bool zeroCopy = choices.Next(2) == 0;
            bool logged = choices.Next(2) == 0;
            ushort takenFrom = fast.World.Queue.NextAvail;
            int received = fastRx.Receive(fast.World.Memory, fast.Batch, fast.Pool, headerSize, zeroCopy, fast.Stats, default, AllOffloads);
            Assert.Equal(received, walkedRx.Receive(walked.World.Memory, walked.Batch, walked.Pool, headerSize, zeroCopy, walked.Stats, default, AllOffloads));
            for (int i = 0; i < received; i++)
            {
                Assert.True(fast.Batch[i].Span.SequenceEqual(walked.Batch[i].Span), $"round {round}: packet {i} differs");
                Assert.Equal(fast.Batch[i].Offload, walked.Batch[i].Offload);
                Assert.Equal(fast.Batch[i].IsExternal, walked.Batch[i].IsExternal);
            }
            Assert.Equal(fastRx.HeldCount, walkedRx.HeldCount);
            tally.CountTaken(fast.World, takenFrom, (uint)headerSize + 14, deviceWrites: false);
            fast.Batch.FreeAll();
            walked.Batch.FreeAll();
            Assert.Equal(fastRx.Complete(fast.World.Memory, logged ? fast.Log : null), walkedRx.Complete(walked.World.Memory, logged ? walked.Log : null));
            AssertSame(fast, walked, round);
            fast.World.Mutate();
            walked.World.Mutate();
        }
        Assert.Equal(poolCount, fast.Pool.Available);
        Assert.Equal(poolCount, walked.Pool.Available);
        tally.Add(fast);
    }

    private static void RunTx(int seed, Tally tally)
    {
        var choices = new Random(RandomRingWorld.MixSeed(seed, 2));
        bool mergeable = choices.Next(2) == 0;
        int headerSize = mergeable ? VirtioNetHeader.Size : choices.Next(3) switch { 0 => 0, 1 => VirtioNetHeader.LegacySize, _ => VirtioNetHeader.Size };
        var fast = new Side(new RandomRingWorld(seed, deviceWrites: true, headerSize), new PacketPool(64));
        var walked = new Side(new RandomRingWorld(seed, deviceWrites: true, headerSize), new PacketPool(64));
        var fastTx = new VirtioNetTx(fast.World.Queue);
        var walkedTx = new VirtioNetTx(walked.World.Queue, singleDescriptorFastPath: false);

        for (int round = 0; round < Rounds; round++)
        {
            bool logged = choices.Next(2) == 0;
            int count = choices.Next(1, 33);
            for (int i = 0; i < count; i++)
            {
                byte[] frame = new byte[FrameLength(choices)];
                choices.NextBytes(frame);
                fast.Add(frame);
                walked.Add(frame);
            }
            ushort takenFrom = fast.World.Queue.NextAvail;
            bool notify = fastTx.Send(fast.World.Memory, fast.Batch, mergeable, headerSize, logged ? fast.Log : null, fast.Stats);
            Assert.Equal(notify, walkedTx.Send(walked.World.Memory, walked.Batch, mergeable, headerSize, logged ? walked.Log : null, walked.Stats));
            tally.CountTaken(fast.World, takenFrom, (uint)headerSize, deviceWrites: true);
            AssertSame(fast, walked, round);
            fast.World.Mutate();
            walked.World.Mutate();
        }
        Assert.Equal(64, fast.Pool.Available);
        Assert.Equal(64, walked.Pool.Available);
        tally.Add(fast);
    }

    private const PortOffloads AllOffloads = PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn;

    private static int FrameLength(Random r) => r.Next(6) switch
    {
        0 => r.Next(0, 64),
        1 => 60,
        2 => 1514,
        3 => r.Next(2000, 2100),
        4 => r.Next(9000, 9200),
        _ => r.Next(0, 3100),
    };

    private static void AssertSame(Side fast, Side walked, int round)
    {
        Assert.Equal(fast.Stats.Packets, walked.Stats.Packets);
        Assert.Equal(fast.Stats.Bytes, walked.Stats.Bytes);
        Assert.Equal(fast.Stats.Errors, walked.Stats.Errors);
        for (var reason = (DropReason)0; reason < DropReason.Count; reason++)
        {
            Assert.True(fast.Stats.Drops[reason] == walked.Stats.Drops[reason],
                $"round {round}: {reason} drops {fast.Stats.Drops[reason]} with the fast path, {walked.Stats.Drops[reason]} walked");
        }
        SplitQueue a = fast.World.Queue, b = walked.World.Queue;
        Assert.Equal((a.NextAvail, a.NextUsed, a.IsBroken, a.BrokenReason), (b.NextAvail, b.NextUsed, b.IsBroken, b.BrokenReason));
        long at = fast.World.FirstDifference(walked.World);
        Assert.True(at < 0, $"round {round}: guest memory differs at offset {at}");
        Assert.True(fast.LogBits.AsSpan().SequenceEqual(walked.LogBits), $"round {round}: dirty logs differ");
        Assert.Equal(fast.Log.OutOfRange, walked.Log.OutOfRange);
        Assert.True(fast.World.Fake.GuardsIntact(), "fast path wrote outside guest memory");
        Assert.True(walked.World.Fake.GuardsIntact(), "walker wrote outside guest memory");
    }

    /// <summary>One side of the comparison: a world and the device-side things that go with it.</summary>
    private sealed unsafe class Side
    {
        public Side(RandomRingWorld world, PacketPool pool)
        {
            World = world;
            Pool = pool;
            LogBits = GC.AllocateArray<byte>(LogBytes, pinned: true);
            fixed (byte* p = LogBits)
            {
                // SAFETY: the array is pinned (pinned object heap) and lives as long as this object.
                Log = new DirtyLog((nint)p, (ulong)LogBits.Length);
            }
        }

        public RandomRingWorld World { get; }

        public PacketPool Pool { get; }

        public PacketBatch Batch { get; } = new();

        public QueueStats Stats { get; } = new();

        public byte[] LogBits { get; }

        public DirtyLog Log { get; }

        public void Add(byte[] frame)
        {
            Assert.True(Pool.TryRent(out PacketBuffer? p) && p.TryCopyFrom(frame));
            Assert.True(Batch.TryAdd(p));
        }
    }

    /// <summary>What the seeds covered, summed over runs.</summary>
    private sealed class Tally
    {
        public long SingleTaken { get; private set; }

        public long OtherTaken { get; private set; }

        public long Packets { get; private set; }

        public DropCounters Drops { get; } = new();

        public HashSet<ChainStatus> Broken { get; } = [];

        /// <summary>
        /// Classifies the chains the device took since <paramref name="from"/>: a single descriptor of the queue's
        /// direction, in memory and at least <paramref name="minLength"/> long, or anything else.
        /// </summary>
        public void CountTaken(RandomRingWorld world, ushort from, uint minLength, bool deviceWrites)
        {
            for (ushort position = from; position != world.Queue.NextAvail; position++)
            {
                ushort head = ReadU16(world, world.Driver.AvailRing.Value + 4 + (2u * (uint)(position & (world.QueueSize - 1))));
                Span<byte> d = world.Fake.Span(world.Driver.DescTable.Value + ((ulong)head * Descriptor.Size), Descriptor.Size);
                ulong address = BitConverter.ToUInt64(d);
                uint length = BitConverter.ToUInt32(d[8..]);
                ushort flags = BitConverter.ToUInt16(d[12..]);
                bool single = (flags & (Descriptor.NextFlag | Descriptor.IndirectFlag)) == 0
                    && ((flags & Descriptor.WriteFlag) != 0) == deviceWrites
                    && length >= minLength
                    && world.Memory.TryGetWindow(new GuestAddress(address), length, out _);
                if (single)
                {
                    SingleTaken++;
                }
                else
                {
                    OtherTaken++;
                }
            }
        }

        public string Describe(string name)
        {
            var drops = new List<string>();
            for (var reason = (DropReason)0; reason < DropReason.Count; reason++)
            {
                if (Drops[reason] != 0)
                {
                    drops.Add($"{reason} {Drops[reason]}");
                }
            }
            return $"{name}: single-descriptor chains taken {SingleTaken}, other chains taken {OtherTaken}, packets {Packets}; "
                + $"drops: {string.Join(", ", drops)}; queues broken by: {string.Join(", ", Broken.Order())}";
        }

        public void Add(Side side)
        {
            Packets += side.Stats.Packets;
            Drops.AddFrom(side.Stats.Drops);
            if (side.World.Queue.IsBroken)
            {
                Broken.Add(side.World.Queue.BrokenReason);
            }
        }

        private static ushort ReadU16(RandomRingWorld world, ulong gpa) => BitConverter.ToUInt16(world.Fake.Span(gpa, 2));
    }
}
