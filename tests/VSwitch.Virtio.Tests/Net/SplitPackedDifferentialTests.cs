using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// Split ring against packed ring on the same random packet streams: the driver offers the same chains (same buffers,
/// same split of header and frame over descriptors, direct or indirect) to a split queue and to a packed queue, the
/// device side runs the same calls with the same batch sizes, and everything observable must agree: the packets and
/// their bytes, the packet, byte and drop counters, the used lengths in order, and the bytes written into every guest
/// buffer. The streams include runts, frames too large for a pool buffer, chains too small for a packet, mergeable
/// packets over several chains, and rings that wrap many times.
/// </summary>
public sealed class SplitPackedDifferentialTests
{
    private const ushort QueueSize = 16;

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 1; seed <= 40; seed++)
        {
            data.Add(seed);
        }
        return data;
    }

    private sealed class Side
    {
        public Side(bool packed)
        {
            Packed = packed;
            if (packed)
            {
                PackedRig = new PackedQueueRig(QueueSize, regionBytes: 8 << 20);
                PackedRx = new PackedNetRx(PackedRig.Queue);
                PackedTx = new PackedNetTx(PackedRig.Queue);
            }
            else
            {
                SplitRig = new VirtqueueRig(QueueSize, regionBytes: 8 << 20);
                SplitRx = new VirtioNetRx(SplitRig.Queue);
                SplitTx = new VirtioNetTx(SplitRig.Queue);
            }
        }

        public bool Packed { get; }

        public VirtqueueRig? SplitRig { get; }

        public PackedQueueRig? PackedRig { get; }

        public VirtioNetRx? SplitRx { get; }

        public VirtioNetTx? SplitTx { get; }

        public PackedNetRx? PackedRx { get; }

        public PackedNetTx? PackedTx { get; }

        public PacketPool Pool { get; } = new(64, dataRoom: 1024);

        public PacketBatch Batch { get; } = new();

        public QueueStats Stats { get; } = new();

        public List<List<DriverBuffer>> ChainBuffers { get; } = new();

        public FakeGuestMemory Fake => Packed ? PackedRig!.Fake : SplitRig!.Fake;

        public int Free => Packed ? PackedRig!.Driver.FreeSlots : SplitRig!.Driver.FreeDescriptors;

        public ulong AllocateWith(ReadOnlySpan<byte> data) =>
            Packed ? PackedRig!.Driver.AllocateWith(data) : SplitRig!.Driver.AllocateWith(data);

        public ulong Allocate(uint length) => Packed ? PackedRig!.Driver.Allocate(length) : SplitRig!.Driver.Allocate(length);

        public void Add(DriverBuffer[] buffers, bool indirect)
        {
            ChainBuffers.Add([.. buffers]);
            if (Packed)
            {
                _ = indirect ? PackedRig!.Driver.AddIndirectChain(buffers) : PackedRig!.Driver.AddChain(buffers);
                PackedRig.Driver.PublishAvail();
            }
            else
            {
                _ = indirect ? SplitRig!.Driver.AddIndirectChain(buffers) : SplitRig!.Driver.AddChain(buffers);
                SplitRig.Driver.PublishAvail();
            }
        }

        public List<byte[]> Receive(int room)
        {
            var got = new List<byte[]>();
            while (Batch.Free > room)
            {
                Pool.TryRent(out PacketBuffer? filler);
                Batch.TryAdd(filler!);
            }
            int start = Batch.Count;
            int n = Packed
                ? PackedRx!.Receive(PackedRig!.Memory, Batch, Pool, 12, zeroCopy: false, Stats, default, OffloadRig.All)
                : SplitRx!.Receive(SplitRig!.Memory, Batch, Pool, 12, zeroCopy: false, Stats, default, OffloadRig.All);
            for (int i = start; i < start + n; i++)
            {
                got.Add(Batch[i].Span.ToArray());
            }
            Batch.FreeAll();
            _ = Packed ? PackedRx!.Complete(PackedRig!.Memory, null) : SplitRx!.Complete(SplitRig!.Memory, null);
            return got;
        }

        public void Send(IReadOnlyList<byte[]> frames, bool mergeable)
        {
            foreach (byte[] f in frames)
            {
                Assert.True(Pool.TryRent(out PacketBuffer? p));
                Assert.True(p.TryCopyFrom(f));
                Batch.TryAdd(p);
            }
            _ = Packed
                ? PackedTx!.Send(PackedRig!.Memory, Batch, mergeable, 12, null, Stats)
                : SplitTx!.Send(SplitRig!.Memory, Batch, mergeable, 12, null, Stats);
        }

        public List<uint> ReadUsedLengths() =>
            Packed ? PackedRig!.Driver.ReadUsed().Select(u => u.Length).ToList() : SplitRig!.Driver.ReadUsed().Select(u => u.Length).ToList();
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Receive_gives_the_same_packets_and_counters(int seed)
    {
        var r = new Random(seed);
        var split = new Side(packed: false);
        var packed = new Side(packed: true);
        for (int round = 0; round < 60; round++)
        {
            int chains = r.Next(0, 6);
            for (int c = 0; c < chains; c++)
            {
                int length = r.Next(4) switch { 0 => r.Next(0, 30), 1 => r.Next(1025, 1400), _ => r.Next(30, 1000) };
                byte[] whole = new byte[length];
                r.NextBytes(whole);
                if (length >= 2 && r.Next(4) != 0)
                {
                    // Mostly a plain header (the rest: random, nearly always dropped as an invalid header on both).
                    whole[0] = whole[1] = 0;
                }
                int parts = Math.Min(r.Next(1, 5), Math.Max(1, length));
                bool indirect = r.Next(4) == 0;
                if (split.Free < parts || packed.Free < parts)
                {
                    break;
                }
                int[] cuts = Cuts(r, length, parts);
                foreach (Side side in new[] { split, packed })
                {
                    var buffers = new DriverBuffer[parts];
                    for (int p = 0; p < parts; p++)
                    {
                        var piece = whole.AsSpan(cuts[p], cuts[p + 1] - cuts[p]);
                        buffers[p] = DriverBuffer.Readable(side.AllocateWith(piece), (uint)piece.Length);
                    }
                    side.Add(buffers, indirect);
                }
            }
            int room = r.Next(1, PacketBatch.Capacity + 1);
            Assert.Equal(split.Receive(room), packed.Receive(room));
            Assert.Equal(split.ReadUsedLengths(), packed.ReadUsedLengths());
            AssertSameCounters(split.Stats, packed.Stats);
        }
        Assert.True(split.Stats.Packets > 0);
        Assert.False(split.SplitRig!.Queue.IsBroken);
        Assert.False(packed.PackedRig!.Queue.IsBroken);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Send_writes_the_same_bytes_and_counters(int seed)
    {
        var r = new Random(seed);
        bool mergeable = (seed & 1) == 0;
        var split = new Side(packed: false);
        var packed = new Side(packed: true);
        for (int round = 0; round < 60; round++)
        {
            int chains = r.Next(0, 5);
            for (int c = 0; c < chains; c++)
            {
                int parts = r.Next(1, 4);
                bool indirect = r.Next(4) == 0;
                if (split.Free < parts || packed.Free < parts)
                {
                    break;
                }
                var lengths = new uint[parts];
                for (int p = 0; p < parts; p++)
                {
                    lengths[p] = (uint)(r.Next(3) == 0 ? r.Next(1, 40) : r.Next(40, 900));
                }
                foreach (Side side in new[] { split, packed })
                {
                    var buffers = new DriverBuffer[parts];
                    for (int p = 0; p < parts; p++)
                    {
                        ulong gpa = side.Allocate(lengths[p]);
                        side.Fake.Span(gpa, (int)lengths[p]).Fill(0xCC);
                        buffers[p] = DriverBuffer.Writable(gpa, lengths[p]);
                    }
                    side.Add(buffers, indirect);
                }
            }
            var frames = new List<byte[]>();
            int count = r.Next(0, 8);
            for (int i = 0; i < count; i++)
            {
                var f = new byte[r.Next(14, 1000)];
                r.NextBytes(f);
                frames.Add(f);
            }
            split.Send(frames, mergeable);
            packed.Send(frames, mergeable);
            Assert.Equal(split.ReadUsedLengths(), packed.ReadUsedLengths());
            AssertSameCounters(split.Stats, packed.Stats);
        }
        Assert.Equal(split.ChainBuffers.Count, packed.ChainBuffers.Count);
        for (int c = 0; c < split.ChainBuffers.Count; c++)
        {
            for (int b = 0; b < split.ChainBuffers[c].Count; b++)
            {
                // Same lengths on both sides (drawn once): the whole buffer, written part and untouched rest.
                DriverBuffer mine = split.ChainBuffers[c][b];
                DriverBuffer theirs = packed.ChainBuffers[c][b];
                Assert.Equal(mine.Length, theirs.Length);
                Assert.Equal(split.Fake.Read(mine.Gpa, (int)mine.Length), packed.Fake.Read(theirs.Gpa, (int)theirs.Length));
            }
        }
        // A non-mergeable stream can stall behind a chain too small for every packet: then it is drops that agree.
        Assert.True(split.Stats.Packets + split.Stats.Drops.Total > 0);
    }

    private static int[] Cuts(Random r, int length, int parts)
    {
        var cuts = new int[parts + 1];
        cuts[parts] = length;
        for (int p = 1; p < parts; p++)
        {
            cuts[p] = Math.Clamp(r.Next(cuts[p - 1], length + 1), cuts[p - 1], length);
        }
        return cuts;
    }

    private static void AssertSameCounters(QueueStats split, QueueStats packed)
    {
        Assert.Equal(split.Packets, packed.Packets);
        Assert.Equal(split.Bytes, packed.Bytes);
        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            Assert.True(split.Drops[reason] == packed.Drops[reason], $"{reason}: split {split.Drops[reason]}, packed {packed.Drops[reason]}");
        }
    }
}
