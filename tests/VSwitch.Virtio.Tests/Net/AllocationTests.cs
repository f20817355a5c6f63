using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>The hot path allocates nothing: 100k packets each way after a warm-up, measured on this thread.</summary>
public sealed unsafe class AllocationTests
{
    private const int Packets = 100_000;

    /// <summary>A dirty log over a pinned bitmap; the caller keeps <c>Bits</c> alive as long as the log is used.</summary>
    private static (DirtyLog Log, byte[] Bits) NewLog()
    {
        byte[] bits = GC.AllocateArray<byte>(1 << 12, pinned: true);
        fixed (byte* p = bits)
        {
            return (new DirtyLog((nint)p, (ulong)bits.Length), bits);
        }
    }

    /// <summary>
    /// Runs <paramref name="round"/> 200 times to warm up, then measures 100k packets' worth in steady state (see
    /// <see cref="Allocations.SteadyState(Action, int)"/>).
    /// </summary>
    private static long MeasureAfterWarmUp(Action round)
    {
        for (int i = 0; i < 200; i++)
        {
            round();
        }
        return Allocations.SteadyState(() =>
        {
            for (int i = 0; i < Packets / PacketBatch.Capacity; i++)
            {
                round();
            }
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Receive_and_complete_allocate_nothing(bool zeroCopy)
    {
        var rig = new VirtqueueRig(queueSize: 256);
        var rx = new VirtioNetRx(rig.Queue);
        var pool = new PacketPool(64);
        var batch = new PacketBatch();
        var stats = new QueueStats();
        var (log, bits) = NewLog();
        var heads = new ushort[PacketBatch.Capacity];
        byte[] data = new byte[12 + 64];
        for (int i = 0; i < heads.Length; i++)
        {
            heads[i] = rig.Driver.AddReadable(data);
        }
        rig.Driver.PublishAvail();

        void Round()
        {
            rx.Receive(rig.Memory, batch, pool, 12, zeroCopy, stats);
            batch.FreeAll();
            rx.Complete(rig.Memory, log);
            for (int i = 0; i < heads.Length; i++)
            {
                rig.Driver.PushAvail(heads[i]);
            }
            rig.Driver.PublishAvail();
        }

        long allocated = MeasureAfterWarmUp(Round);

        Assert.Equal(0, allocated);
        Assert.True(stats.Packets >= Packets, $"only {stats.Packets} packets went through");
        Assert.Equal(0, stats.Drops.Total);
        GC.KeepAlive(bits);
        GC.KeepAlive(rig);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Send_allocates_nothing(bool mergeable)
    {
        var rig = new VirtqueueRig(queueSize: 256);
        var tx = new VirtioNetTx(rig.Queue);
        var pool = new PacketPool(64);
        var batch = new PacketBatch();
        var stats = new QueueStats();
        var (log, bits) = NewLog();
        var heads = new ushort[PacketBatch.Capacity * 2];
        for (int i = 0; i < heads.Length; i++)
        {
            heads[i] = rig.Driver.AddWritable(mergeable ? 1024u : 2048u);
        }
        rig.Driver.PublishAvail();
        int frame = mergeable ? 1500 : 64;   // mergeable: two buffers per packet
        int reoffer = mergeable ? heads.Length : PacketBatch.Capacity;
        int next = 0;

        void Round()
        {
            for (int i = 0; i < PacketBatch.Capacity; i++)
            {
                pool.TryRent(out PacketBuffer? p);
                p!.TrySetLength(frame);
                batch.TryAdd(p);
            }
            tx.Send(rig.Memory, batch, mergeable, 12, log, stats);
            for (int i = 0; i < reoffer; i++)
            {
                rig.Driver.PushAvail(heads[next]);
                next = (next + 1) % heads.Length;
            }
            rig.Driver.PublishAvail();
        }

        long allocated = MeasureAfterWarmUp(Round);

        Assert.Equal(0, allocated);
        Assert.True(stats.Packets >= Packets, $"only {stats.Packets} packets went through");
        Assert.Equal(0, stats.Drops.Total);
        GC.KeepAlive(bits);
        GC.KeepAlive(rig);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Packed_receive_and_complete_allocate_nothing(bool zeroCopy)
    {
        var rig = new PackedQueueRig(queueSize: 256);
        var rx = new PackedNetRx(rig.Queue);
        var pool = new PacketPool(64);
        var batch = new PacketBatch();
        var stats = new QueueStats();
        var (log, bits) = NewLog();
        ulong data = rig.Driver.AllocateWith(new byte[12 + 64]);
        for (int i = 0; i < PacketBatch.Capacity; i++)
        {
            rig.Driver.AddBuffer(data, 12 + 64, writable: false);
        }
        rig.Driver.PublishAvail();

        void Round()
        {
            rx.Receive(rig.Memory, batch, pool, 12, zeroCopy, stats);
            batch.FreeAll();
            rx.Complete(rig.Memory, log);
            int used = rig.Driver.ReclaimUsed();
            for (int i = 0; i < used; i++)
            {
                rig.Driver.AddBuffer(data, 12 + 64, writable: false);
            }
            rig.Driver.PublishAvail();
        }

        long allocated = MeasureAfterWarmUp(Round);

        Assert.Equal(0, allocated);
        Assert.True(stats.Packets >= Packets, $"only {stats.Packets} packets went through");
        Assert.Equal(0, stats.Drops.Total);
        GC.KeepAlive(bits);
        GC.KeepAlive(rig);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Packed_send_allocates_nothing(bool mergeable)
    {
        var rig = new PackedQueueRig(queueSize: 256);
        var tx = new PackedNetTx(rig.Queue);
        var pool = new PacketPool(64);
        var batch = new PacketBatch();
        var stats = new QueueStats();
        var (log, bits) = NewLog();
        uint bufferLength = mergeable ? 1024u : 2048u;
        ulong buffer = rig.Driver.Allocate(bufferLength);
        for (int i = 0; i < PacketBatch.Capacity * 2; i++)
        {
            rig.Driver.AddBuffer(buffer, bufferLength, writable: true);
        }
        rig.Driver.PublishAvail();
        int frame = mergeable ? 1500 : 64;   // mergeable: two buffers per packet

        void Round()
        {
            for (int i = 0; i < PacketBatch.Capacity; i++)
            {
                pool.TryRent(out PacketBuffer? p);
                p!.TrySetLength(frame);
                batch.TryAdd(p);
            }
            tx.Send(rig.Memory, batch, mergeable, 12, log, stats);
            int used = rig.Driver.ReclaimUsed();
            for (int i = 0; i < used; i++)
            {
                rig.Driver.AddBuffer(buffer, bufferLength, writable: true);
            }
            rig.Driver.PublishAvail();
        }

        long allocated = MeasureAfterWarmUp(Round);

        Assert.Equal(0, allocated);
        Assert.True(stats.Packets >= Packets, $"only {stats.Packets} packets went through");
        Assert.Equal(0, stats.Drops.Total);
        GC.KeepAlive(bits);
        GC.KeepAlive(rig);
    }
}
