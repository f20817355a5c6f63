using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Queue;

/// <summary>The packed ring's device side against the test driver: wrap counters, chains, indirect tables, used writes, notifications.</summary>
public sealed class PackedQueueTests
{
    private readonly PacketPool _pool = new(256);
    private readonly PacketBatch _batch = new();
    private readonly QueueStats _stats = new();

    private static byte[] Frame(int length, int seed)
    {
        var f = new byte[length];
        for (int i = 0; i < length; i++)
        {
            f[i] = (byte)((i * 7) + seed);
        }
        return f;
    }

    private List<byte[]> ReceiveAll(PackedQueueRig rig, PackedNetRx rx)
    {
        var got = new List<byte[]>();
        int n = rx.Receive(rig.Memory, _batch, _pool, 12, zeroCopy: false, _stats);
        for (int i = 0; i < n; i++)
        {
            got.Add(_batch[i].Span.ToArray());
        }
        _batch.FreeAll();
        rx.Complete(rig.Memory, null);
        return got;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(32769)]
    public void Size_is_any_value_from_1_to_32768(int size)
    {
        var q = new PackedQueue();
        Assert.Equal(size is >= 1 and <= 32768, q.TrySetSize((ushort)size));
    }

    [Fact]
    public void Validation_needs_the_areas_in_memory_and_aligned()
    {
        var fake = new FakeGuestMemory(0x1000, 0x10000);
        var q = new PackedQueue();
        q.TrySetSize(3);
        q.SetAddresses(new GuestAddress(0x1000), new GuestAddress(0x1030), new GuestAddress(0x1034), null);
        Assert.True(q.TryValidate(fake.Memory));
        q.SetAddresses(new GuestAddress(0x1008), new GuestAddress(0x1030), new GuestAddress(0x1034), null);
        Assert.False(q.TryValidate(fake.Memory));
        q.SetAddresses(new GuestAddress(0x1000), new GuestAddress(0x1032), new GuestAddress(0x1034), null);
        Assert.False(q.TryValidate(fake.Memory));
        q.SetAddresses(new GuestAddress(0x1000), new GuestAddress(0x1030), new GuestAddress(0x11000), null);
        Assert.False(q.TryValidate(fake.Memory));
        q.SetAddresses(new GuestAddress(0x10000 + 0x1000 - 32), new GuestAddress(0x1030), new GuestAddress(0x1034), null);
        Assert.False(q.TryValidate(fake.Memory));
    }

    [Fact]
    public void Chains_across_many_wraps_of_an_odd_sized_ring_arrive_in_order()
    {
        var rig = new PackedQueueRig(queueSize: 5);
        var rx = new PackedNetRx(rig.Queue);
        int sent = 0;
        var received = new List<byte[]>();
        var expected = new List<byte[]>();
        for (int round = 0; round < 40; round++)
        {
            // Chains of 1, 2 or 3 descriptors, so chains straddle the ring's end at every possible offset.
            int parts = 1 + (round % 3);
            if (rig.Driver.FreeSlots < parts)
            {
                received.AddRange(ReceiveAll(rig, rx));
                rig.Driver.ReadUsed();
            }
            byte[] frame = Frame(60 + round, round);
            byte[] whole = [.. new byte[12], .. frame];
            var buffers = new DriverBuffer[parts];
            int at = 0;
            for (int p = 0; p < parts; p++)
            {
                int len = p == parts - 1 ? whole.Length - at : 13 + p;
                buffers[p] = DriverBuffer.Readable(rig.Driver.AllocateWith(whole.AsSpan(at, len)), (uint)len);
                at += len;
            }
            rig.Driver.AddChain(buffers);
            rig.Driver.PublishAvail();
            expected.Add(frame);
            sent++;
        }
        received.AddRange(ReceiveAll(rig, rx));
        rig.Driver.ReadUsed();
        Assert.Equal(sent, received.Count);
        Assert.Equal(expected, received);
        Assert.Equal(0, _stats.Drops.Total);
        Assert.False(rig.Queue.IsBroken);
        Assert.Equal(rig.Driver.NextAvail, rig.Queue.NextAvail);
        Assert.Equal(rig.Driver.AvailWrap, rig.Queue.AvailWrap);
        Assert.Equal(rig.Driver.NextUsed, rig.Queue.NextUsed);
        Assert.Equal(rig.Driver.UsedWrap, rig.Queue.UsedWrap);
        Assert.Equal(5, rig.Driver.FreeSlots);
    }

    [Fact]
    public void Indirect_chain_is_read_in_table_order()
    {
        var rig = new PackedQueueRig(queueSize: 4);
        var rx = new PackedNetRx(rig.Queue);
        byte[] frame = Frame(80, 3);
        byte[] whole = [.. new byte[12], .. frame];
        ushort id = rig.Driver.AddIndirectChain(
            DriverBuffer.Readable(rig.Driver.AllocateWith(whole.AsSpan(0, 12)), 12),
            DriverBuffer.Readable(rig.Driver.AllocateWith(whole.AsSpan(12, 30)), 30),
            DriverBuffer.Readable(rig.Driver.AllocateWith(whole.AsSpan(42)), (uint)(whole.Length - 42)));
        rig.Driver.PublishAvail();

        Assert.Equal([frame], ReceiveAll(rig, rx));
        Assert.Equal([(id, 0u)], rig.Driver.ReadUsed());
        Assert.Equal(1, rig.Queue.NextUsed);
    }

    [Fact]
    public void Used_descriptor_carries_id_length_write_flag_and_the_used_wrap()
    {
        var rig = new PackedQueueRig(queueSize: 2);
        var tx = new PackedNetTx(rig.Queue);
        var ids = new List<ushort>();
        for (int lap = 0; lap < 3; lap++)
        {
            ids.Add(rig.Driver.AddWritable(2048));
            ids.Add(rig.Driver.AddWritable(2048));
            rig.Driver.PublishAvail();
            for (int i = 0; i < 2; i++)
            {
                _pool.TryRent(out PacketBuffer? p);
                p!.TrySetLength(64);
                _batch.TryAdd(p);
            }
            tx.Send(rig.Memory, _batch, false, 12, null, _stats);
            (ushort id, uint length, ushort flags) = rig.Driver.ReadSlot(0);
            ushort wrapBits = (ushort)(lap % 2 == 0 ? PackedQueue.AvailFlag | PackedQueue.UsedFlag : 0);
            Assert.Equal(ids[^2], id);
            Assert.Equal(76u, length);
            Assert.Equal((ushort)(wrapBits | Descriptor.WriteFlag), flags);
            Assert.Equal([(ids[^2], 76u), (ids[^1], 76u)], rig.Driver.ReadUsed());
        }
        Assert.Equal(6, _stats.Packets);
    }

    [Fact]
    public void Nothing_is_taken_until_the_head_flags_are_published()
    {
        var rig = new PackedQueueRig(queueSize: 8);
        var rx = new PackedNetRx(rig.Queue);
        rig.Driver.AddReadable([.. new byte[12], .. Frame(64, 1)]);

        Assert.Empty(ReceiveAll(rig, rx));
        rig.Driver.PublishAvail();
        Assert.Single(ReceiveAll(rig, rx));
    }

    [Fact]
    public void Too_small_chain_stays_for_the_next_packet_without_mergeable_buffers()
    {
        var rig = new PackedQueueRig(queueSize: 8);
        var tx = new PackedNetTx(rig.Queue);
        rig.Driver.AddChain(DriverBuffer.Writable(rig.Driver.Allocate(40), 40), DriverBuffer.Writable(rig.Driver.Allocate(40), 40));
        rig.Driver.PublishAvail();
        _pool.TryRent(out PacketBuffer? big);
        big!.TrySetLength(500);
        _pool.TryRent(out PacketBuffer? small);
        small!.TrySetLength(60);
        _batch.TryAdd(big);
        _batch.TryAdd(small);

        Assert.True(tx.Send(rig.Memory, _batch, false, 12, null, _stats));

        Assert.Equal(1, _stats.Drops[DropReason.TxNoGuestBuffer]);
        Assert.Equal(1, _stats.Packets);
        Assert.Equal(72u, Assert.Single(rig.Driver.ReadUsed()).Length);
        Assert.Equal(2, rig.Queue.NextAvail);
    }

    [Fact]
    public void Mergeable_packet_without_enough_buffers_gives_every_chain_back_untouched()
    {
        var rig = new PackedQueueRig(queueSize: 8);
        var tx = new PackedNetTx(rig.Queue);
        rig.Driver.AddWritable(100);
        rig.Driver.AddWritable(100);
        rig.Driver.PublishAvail();
        _pool.TryRent(out PacketBuffer? p);
        p!.TrySetLength(1000);
        _batch.TryAdd(p);

        Assert.False(tx.Send(rig.Memory, _batch, true, 12, null, _stats));

        Assert.Equal(1, _stats.Drops[DropReason.TxNoGuestBuffer]);
        Assert.Equal(0, rig.Queue.NextAvail);
        Assert.True(rig.Queue.AvailWrap);
        Assert.Empty(rig.Driver.ReadUsed());
        Assert.True(PackedQueue.IsAvailable(rig.Driver.ReadSlot(0).Flags, true));
    }

    [Fact]
    public void Mergeable_packet_spreads_over_chains_and_counts_them_in_num_buffers()
    {
        var rig = new PackedQueueRig(queueSize: 3);
        var tx = new PackedNetTx(rig.Queue);
        ulong a = rig.Driver.Allocate(512), b = rig.Driver.Allocate(512), c = rig.Driver.Allocate(512);
        rig.Driver.AddChain(DriverBuffer.Writable(a, 512));
        rig.Driver.AddChain(DriverBuffer.Writable(b, 512));
        rig.Driver.AddChain(DriverBuffer.Writable(c, 512));
        rig.Driver.PublishAvail();
        byte[] frame = Frame(1200, 5);
        _pool.TryRent(out PacketBuffer? p);
        p!.TryCopyFrom(frame);
        _batch.TryAdd(p);

        Assert.True(tx.Send(rig.Memory, _batch, true, 12, null, _stats));

        Assert.Equal([512u, 512u, 188u], rig.Driver.ReadUsed().Select(u => u.Length));
        Assert.Equal(3, rig.Fake.Read(a + 10, 1)[0]);
        byte[] got = [.. rig.Fake.Read(a + 12, 500), .. rig.Fake.Read(b, 512), .. rig.Fake.Read(c, 188)];
        Assert.Equal(frame, got);
        Assert.Equal(0, rig.Queue.NextUsed);
        Assert.False(rig.Queue.UsedWrap);
    }

    [Fact]
    public void Disable_and_enable_write_the_device_area()
    {
        var rig = new PackedQueueRig(queueSize: 8);
        rig.Queue.DisableNotifications(rig.Memory);
        Assert.Equal(PackedQueue.EventFlagsDisable, rig.Driver.DeviceEventFlags);
        Assert.False(rig.Queue.EnableNotifications(rig.Memory));
        Assert.Equal(PackedQueue.EventFlagsEnable, rig.Driver.DeviceEventFlags);
        rig.Driver.AddReadable(new byte[80]);
        rig.Driver.PublishAvail();
        Assert.True(rig.Queue.EnableNotifications(rig.Memory));
    }

    [Fact]
    public void With_event_idx_enable_asks_for_a_kick_at_the_next_avail_slot_and_wrap()
    {
        var rig = new PackedQueueRig(queueSize: 2, eventIdx: true);
        var rx = new PackedNetRx(rig.Queue);
        for (int i = 0; i < 3; i++)
        {
            rig.Driver.AddReadable(new byte[80]);
            rig.Driver.PublishAvail();
            ReceiveAll(rig, rx);
            rig.Driver.ReadUsed();
        }
        Assert.False(rig.Queue.EnableNotifications(rig.Memory));
        Assert.Equal(PackedQueue.EventFlagsDesc, rig.Driver.DeviceEventFlags);
        // Three chains into a ring of two: slot 1, avail wrap flipped once (0).
        Assert.Equal((ushort)1, rig.Driver.DeviceEventOffWrap);
    }

    [Fact]
    public void Driver_area_decides_interrupts_enable_disable_and_desc()
    {
        var rig = new PackedQueueRig(queueSize: 4, eventIdx: true);
        var rx = new PackedNetRx(rig.Queue);
        bool Round()
        {
            rig.Driver.AddReadable(new byte[80]);
            rig.Driver.PublishAvail();
            rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats);
            _batch.FreeAll();
            bool wants = rx.Complete(rig.Memory, null);
            rig.Driver.ReadUsed();
            return wants;
        }

        rig.Driver.SetDriverEvent(PackedQueue.EventFlagsDisable);
        Assert.False(Round());
        rig.Driver.SetDriverEvent(PackedQueue.EventFlagsEnable);
        Assert.True(Round());
        Assert.True(Round());
        // Next used slot is 3 (three rounds so far, used wrap 1). Ask for an event at slot 0 of the next lap (wrap 0).
        rig.Driver.SetDriverEvent(PackedQueue.EventFlagsDesc, 0);
        Assert.False(Round());       // used slot 3 written: the event slot is not reached
        Assert.True(Round());        // used slot 0 of lap 2 written: reached
        Assert.False(Round());       // slot 1 of lap 2: passed already
        // An event slot in the current lap with the current wrap (0): slot 2.
        rig.Driver.SetDriverEvent(PackedQueue.EventFlagsDesc, 2);
        Assert.True(Round());
    }

    [Fact]
    public void Desc_mode_without_event_idx_counts_as_enable()
    {
        var rig = new PackedQueueRig(queueSize: 4, eventIdx: false);
        var rx = new PackedNetRx(rig.Queue);
        rig.Driver.SetDriverEvent(PackedQueue.EventFlagsDesc, 3);
        for (int i = 0; i < 3; i++)
        {
            rig.Driver.AddReadable(new byte[80]);
            rig.Driver.PublishAvail();
            rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats);
            _batch.FreeAll();
            Assert.True(rx.Complete(rig.Memory, null));
        }
    }

    [Fact]
    public void Vhost_base_encoding_round_trips_and_low_16_bits_mean_used_equals_avail()
    {
        var s = new PackedQueueState(5, false, 3, true);
        Assert.Equal(s, PackedQueueState.FromVhostBase(s.ToVhostBase()));
        Assert.Equal(0x8003_0005u, s.ToVhostBase());
        Assert.Equal(new PackedQueueState(7, true, 7, true), PackedQueueState.FromVhostBase(0x8007));
        Assert.Equal(PackedQueueState.Initial, PackedQueueState.FromVhostBase(0x8000));
    }

    [Fact]
    public void State_must_name_slots_inside_the_ring()
    {
        var q = new PackedQueue();
        q.TrySetSize(10);
        Assert.True(q.TrySetState(new PackedQueueState(9, false, 9, false)));
        Assert.False(q.TrySetState(new PackedQueueState(10, false, 0, false)));
        Assert.False(q.TrySetState(new PackedQueueState(0, false, 10, false)));
        Assert.Equal(new PackedQueueState(9, false, 9, false), q.GetState());
    }

    [Fact]
    public void Used_writes_are_dirty_logged_at_the_descriptor_slots()
    {
        var rig = new PackedQueueRig(queueSize: 8);
        var tx = new PackedNetTx(rig.Queue);
        ulong buf = rig.Driver.Allocate(2048, 4096);
        rig.Driver.AddChain(DriverBuffer.Writable(buf, 2048));
        rig.Driver.PublishAvail();
        byte[] bits = GC.AllocateArray<byte>(4096, pinned: true);
        DirtyLog log;
        unsafe
        {
            fixed (byte* b = bits)
            {
                log = new DirtyLog((nint)b, (ulong)bits.Length);
            }
        }
        _pool.TryRent(out PacketBuffer? p);
        p!.TrySetLength(64);
        _batch.TryAdd(p);

        tx.Send(rig.Memory, _batch, false, 12, log, _stats);

        bool Dirty(ulong gpa) => (bits[(int)(gpa / 4096 / 8)] & (1 << (int)(gpa / 4096 % 8))) != 0;
        Assert.True(Dirty(rig.Driver.DescRing.Value));
        Assert.True(Dirty(buf));
        Assert.False(Dirty(buf + 4096));
        GC.KeepAlive(bits);
    }

    /// <summary>
    /// A driver thread watches the flags of every slot while the device fills and returns buffers for many laps: the only
    /// values it may see are the ones the driver wrote (available) and the final used flags. A flags word of 0 after the
    /// first lap would read as "used" to a driver whose used wrap counter is 0, before the length and id are written or
    /// after the driver made the slot available again (the bug that stalled real drivers after two laps).
    /// </summary>
    [Fact]
    public void Used_writes_never_expose_a_transient_flags_value()
    {
        const int Size = 64;
        var rig = new PackedQueueRig(queueSize: Size);
        var tx = new PackedNetTx(rig.Queue);
        ushort avail1 = PackedQueue.AvailFlag | Descriptor.WriteFlag;
        ushort avail0 = PackedQueue.UsedFlag | Descriptor.WriteFlag;
        ushort used1 = PackedQueue.AvailFlag | PackedQueue.UsedFlag | Descriptor.WriteFlag;
        ushort used0 = Descriptor.WriteFlag;
        var allowed = new HashSet<ushort> { avail1, avail0, used1, used0 };
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<ushort, bool>();
        using var stop = new CancellationTokenSource();
        ulong buffer = rig.Driver.Allocate(2048);
        long watched = 0;
        var watcher = new Thread(() =>
        {
            bool[] started = new bool[Size];
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref watched);
                for (ushort slot = 0; slot < Size; slot += 32)
                {
                    ushort flags = rig.Driver.ReadSlot(slot).Flags;
                    started[slot] |= flags != 0;
                    if (started[slot] && !allowed.Contains(flags))
                    {
                        seen[flags] = true;
                    }
                }
            }
        });
        for (int i = 0; i < Size; i++)
        {
            rig.Driver.AddBuffer(buffer, 2048, writable: true);
        }
        rig.Driver.PublishAvail();
        watcher.Start();
        SpinWait.SpinUntil(() => Interlocked.Read(ref watched) > 0);
        // Batches of 32 into a ring of 64: the first used descriptor of every batch is at slot 0 or 32 (the watched ones).
        // At least 5000 batches, and on until the watcher has looked a million times (it shares a busy machine).
        int rounds = 0;
        for (; rounds < 5_000 || (Interlocked.Read(ref watched) < 1_000_000 && rounds < 200_000); rounds++)
        {
            for (int i = 0; i < PacketBatch.Capacity; i++)
            {
                _pool.TryRent(out PacketBuffer? p);
                p!.TrySetLength(64);
                _batch.TryAdd(p);
            }
            tx.Send(rig.Memory, _batch, false, 12, null, _stats);
            for (int used = rig.Driver.ReclaimUsed(); used > 0; used--)
            {
                rig.Driver.AddBuffer(buffer, 2048, writable: true);
            }
            rig.Driver.PublishAvail();
        }
        stop.Cancel();
        watcher.Join();
        Assert.Empty(seen.Keys);
        Assert.Equal((long)rounds * PacketBatch.Capacity, _stats.Packets);
    }
}
