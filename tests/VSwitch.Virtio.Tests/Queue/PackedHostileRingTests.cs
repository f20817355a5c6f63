using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Queue;

/// <summary>
/// Hostile packed rings: each violation gives its named verdict (the queue's broken reason and a named drop), and
/// random rings (random flags, AVAIL/USED bits and wrap states included, addresses inside, outside and across regions,
/// indirect tables good and bad) never make the device read or write outside guest memory, throw, or name nothing.
/// </summary>
public sealed class PackedHostileRingTests
{
    private readonly PacketPool _pool = new(256);
    private readonly PacketBatch _batch = new();
    private readonly QueueStats _stats = new();

    private static (PackedQueueRig Rig, PackedNetRx Rx) NewRx(ushort size = 8)
    {
        var rig = new PackedQueueRig(size);
        return (rig, new PackedNetRx(rig.Queue));
    }

    private int Receive(PackedQueueRig rig, PackedNetRx rx)
    {
        int n = rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats);
        _batch.FreeAll();
        rx.Complete(rig.Memory, null);
        return n;
    }

    [Fact]
    public void Chain_longer_than_the_ring_is_a_loop()
    {
        var (rig, rx) = NewRx(4);
        ulong buf = rig.Driver.Allocate(100);
        for (int i = 0; i < 4; i++)
        {
            rig.Driver.AddRaw(buf, 100, Descriptor.NextFlag, id: 1);
        }
        rig.Driver.PublishAvail();

        Assert.Equal(0, Receive(rig, rx));
        Assert.Equal(ChainStatus.Loop, rig.Queue.BrokenReason);
        Assert.Equal(1, _stats.Drops[DropReason.RxChainInvalid]);
    }

    [Fact]
    public void Indirect_with_next_is_bad_indirect()
    {
        var (rig, rx) = NewRx();
        ulong table = rig.Driver.Allocate(32);
        rig.Driver.WriteRawDescriptorAt(table, rig.Driver.Allocate(100), 100, 0, 0);
        rig.Driver.AddRaw(table, 16, Descriptor.IndirectFlag | Descriptor.NextFlag);
        rig.Driver.AddRaw(rig.Driver.Allocate(100), 100, 0);
        rig.Driver.PublishAvail();

        Receive(rig, rx);
        Assert.Equal(ChainStatus.BadIndirect, rig.Queue.BrokenReason);
        Assert.Equal(1, _stats.Drops[DropReason.RxChainInvalid]);
    }

    [Fact]
    public void Indirect_inside_an_indirect_table_is_bad_indirect()
    {
        var (rig, rx) = NewRx();
        ulong inner = rig.Driver.Allocate(16);
        rig.Driver.WriteRawDescriptorAt(inner, rig.Driver.Allocate(100), 100, 0, 0);
        ulong outer = rig.Driver.Allocate(16);
        rig.Driver.WriteRawDescriptorAt(outer, inner, 16, 0, Descriptor.IndirectFlag);
        rig.Driver.AddRaw(outer, 16, Descriptor.IndirectFlag);
        rig.Driver.PublishAvail();

        Receive(rig, rx);
        Assert.Equal(ChainStatus.BadIndirect, rig.Queue.BrokenReason);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(8u)]
    [InlineData(24u)]
    public void Indirect_table_of_bad_length_is_bad_indirect(uint length)
    {
        var (rig, rx) = NewRx();
        rig.Driver.AddRaw(rig.Driver.Allocate(32), length, Descriptor.IndirectFlag);
        rig.Driver.PublishAvail();

        Receive(rig, rx);
        Assert.Equal(ChainStatus.BadIndirect, rig.Queue.BrokenReason);
    }

    [Fact]
    public void Next_inside_an_indirect_table_is_ignored_the_table_is_taken_in_order()
    {
        var (rig, rx) = NewRx();
        byte[] whole = new byte[12 + 64];
        new Random(3).NextBytes(whole.AsSpan(12));   // a plain (zero) virtio-net header, then the frame
        ulong table = rig.Driver.Allocate(32);
        // NEXT with a wild "next" (the id field) on the first entry: the packed table ignores both (VIRTIO 1.2 §2.8.8).
        rig.Driver.WriteRawDescriptorAt(table, rig.Driver.AllocateWith(whole.AsSpan(0, 40)), 40, 999, Descriptor.NextFlag);
        rig.Driver.WriteRawDescriptorAt(table + 16, rig.Driver.AllocateWith(whole.AsSpan(40)), 36, 0, 0);
        rig.Driver.AddRaw(table, 32, Descriptor.IndirectFlag);
        rig.Driver.PublishAvail();

        Assert.Equal(1, rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats));
        Assert.Equal(whole.AsSpan(12).ToArray(), _batch[0].Span.ToArray());
        Assert.False(rig.Queue.IsBroken);
    }

    [Fact]
    public void Write_flag_inside_a_transmit_indirect_table_is_ignored_as_DPDK_sets_it()
    {
        var (rig, rx) = NewRx();
        byte[] whole = new byte[12 + 64];
        new Random(4).NextBytes(whole.AsSpan(12));   // a plain (zero) virtio-net header, then the frame
        ulong table = rig.Driver.Allocate(32);
        rig.Driver.WriteRawDescriptorAt(table, rig.Driver.AllocateWith(whole.AsSpan(0, 12)), 12, 0, Descriptor.WriteFlag);
        rig.Driver.WriteRawDescriptorAt(table + 16, rig.Driver.AllocateWith(whole.AsSpan(12)), 64, 1, Descriptor.NextFlag | PackedQueue.AvailFlag);
        rig.Driver.AddRaw(table, 32, Descriptor.IndirectFlag);
        rig.Driver.PublishAvail();

        Assert.Equal(1, rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats));
        Assert.Equal(whole.AsSpan(12).ToArray(), _batch[0].Span.ToArray());
        Assert.False(rig.Queue.IsBroken);
    }

    [Fact]
    public void Write_flag_on_a_transmit_ring_descriptor_is_still_wrong_direction()
    {
        var (rig, rx) = NewRx();
        rig.Driver.AddRaw(rig.Driver.AllocateWith(new byte[100]), 100, Descriptor.WriteFlag | Descriptor.NextFlag);
        rig.Driver.AddRaw(rig.Driver.AllocateWith(new byte[100]), 100, 0);
        rig.Driver.PublishAvail();

        Receive(rig, rx);
        Assert.Equal(ChainStatus.WrongDirection, rig.Queue.BrokenReason);
    }

    [Theory]
    [InlineData(0x0UL)]
    [InlineData(0x7FFF_FFFF_0000UL)]
    [InlineData(ulong.MaxValue - 10)]
    public void Buffer_outside_memory_is_out_of_range_and_counted_unmapped(ulong address)
    {
        var (rig, rx) = NewRx();
        rig.Driver.AddRaw(address, 100, 0);
        rig.Driver.PublishAvail();

        Receive(rig, rx);
        Assert.Equal(ChainStatus.OutOfRange, rig.Queue.BrokenReason);
        Assert.Equal(1, _stats.Drops[DropReason.GuestAddressUnmapped]);
    }

    [Fact]
    public void Writable_buffer_in_a_transmit_chain_is_wrong_direction()
    {
        var (rig, rx) = NewRx();
        rig.Driver.AddRaw(rig.Driver.Allocate(100), 100, Descriptor.WriteFlag);
        rig.Driver.PublishAvail();

        Receive(rig, rx);
        Assert.Equal(ChainStatus.WrongDirection, rig.Queue.BrokenReason);
    }

    [Fact]
    public void Slots_made_available_again_before_they_were_used_are_an_avail_jump()
    {
        var (rig, rx) = NewRx(2);
        ulong buf = rig.Driver.AllocateWith(new byte[100]);
        // A driver that marks every slot available for both wrap states can make the device lap it within one batch.
        for (ushort s = 0; s < 2; s++)
        {
            rig.Driver.WriteSlot(s, buf, 100, s, PackedQueue.AvailFlag);
        }
        int n = rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats);
        Assert.Equal(2, n);
        // Now the device's avail wrap is 0: flip the flags so the same slots look available again, before any used write.
        for (ushort s = 0; s < 2; s++)
        {
            rig.Driver.WriteSlot(s, buf, 100, s, PackedQueue.UsedFlag);
        }
        _batch.FreeAll();
        Assert.Equal(0, rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats));
        Assert.Equal(ChainStatus.AvailIndexJump, rig.Queue.BrokenReason);
        Assert.Equal(1, _stats.Drops[DropReason.RxChainInvalid]);
    }

    [Fact]
    public void Broken_queue_takes_and_writes_nothing_more()
    {
        var (rig, rx) = NewRx();
        rig.Driver.AddRaw(0, 100, 0);
        rig.Driver.AddReadable(new byte[100]);
        rig.Driver.PublishAvail();
        Receive(rig, rx);
        byte[] before = rig.Fake.Read(rig.Driver.DescRing.Value, 16 * 8);

        Assert.Equal(0, Receive(rig, rx));
        Assert.Equal(before, rig.Fake.Read(rig.Driver.DescRing.Value, 16 * 8));
        Assert.Equal(0, rig.Queue.NextAvail);
    }

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 1; seed <= 200; seed++)
        {
            data.Add(seed);
        }
        return data;
    }

    /// <summary>
    /// Random rings, both directions: every slot gets random fields (flags from the hostile mix, with random AVAIL and
    /// USED bits), buffers inside, straddling or outside the region, indirect tables of random entries; the driver
    /// rewrites slots between calls. Whatever happens: no exception, guard bytes intact, a broken queue names a violation,
    /// and every drop is a named one (the counters' total equals the sum over the reasons).
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_hostile_rings_stay_inside_guest_memory(int seed)
    {
        var r = new Random(seed);
        ushort size = (ushort)r.Next(1, 40);
        var rig = new PackedQueueRig(size, regionBytes: 1 << 20, eventIdx: r.Next(2) == 0);
        var rx = new PackedNetRx(rig.Queue);
        var tx = new PackedNetTx(rig.Queue);
        ulong scratch = rig.Driver.Allocate(64 << 10, 4096);
        r.NextBytes(rig.Fake.Span(scratch, 64 << 10));
        ulong regionEnd = PackedQueueRig.RegionBase + (1 << 20);
        ushort[] flagMix = [0, 0, 0, Descriptor.NextFlag, Descriptor.WriteFlag, Descriptor.IndirectFlag,
            Descriptor.NextFlag | Descriptor.WriteFlag, Descriptor.IndirectFlag | Descriptor.NextFlag, 8, 0x40];
        (ulong, uint) RandomBuffer() => r.Next(6) switch
        {
            0 => (regionEnd - (ulong)r.Next(1, 200), (uint)r.Next(1, 400)),      // straddles the region's end
            1 => ((ulong)r.NextInt64(), (uint)r.Next()),                         // anywhere
            2 => (scratch + (ulong)r.Next(0, 60 << 10), 0),                      // zero length
            _ => (scratch + (ulong)r.Next(0, 60 << 10), (uint)r.Next(1, 2000)),  // inside
        };
        void RewriteSlot(ushort slot)
        {
            (ulong address, uint length) = RandomBuffer();
            ushort flags = flagMix[r.Next(flagMix.Length)];
            if ((flags & Descriptor.IndirectFlag) != 0 && r.Next(2) == 0)
            {
                address = scratch + (ulong)(r.Next(0, 64) * 16);
                length = (uint)(r.Next(0, 6) * 16) + (uint)(r.Next(4) == 0 ? 8 : 0);
            }
            ushort wrapBits = (ushort)(r.Next(4) switch { 0 => PackedQueue.AvailFlag, 1 => PackedQueue.UsedFlag, 2 => 0, _ => PackedQueue.AvailFlag | PackedQueue.UsedFlag });
            rig.Driver.WriteSlot(slot, address, length, (ushort)r.Next(65536), (ushort)(flags | wrapBits));
        }
        for (ushort s = 0; s < size; s++)
        {
            RewriteSlot(s);
        }
        rig.Driver.SetDriverEvent((ushort)r.Next(4), (ushort)r.Next(65536));
        for (int call = 0; call < 30 && !rig.Queue.IsBroken; call++)
        {
            if (r.Next(2) == 0)
            {
                rx.Receive(rig.Memory, _batch, _pool, 12, r.Next(2) == 0, _stats);
                _batch.FreeAll();
                rx.Complete(rig.Memory, null);
            }
            else
            {
                int count = r.Next(0, 5);
                for (int i = 0; i < count; i++)
                {
                    _pool.TryRent(out PacketBuffer? p);
                    p!.TrySetLength(r.Next(14, 1600));
                    _batch.TryAdd(p);
                }
                tx.Send(rig.Memory, _batch, r.Next(2) == 0, 12, null, _stats);
            }
            rig.Queue.EnableNotifications(rig.Memory);
            rig.Queue.DisableNotifications(rig.Memory);
            for (int i = r.Next(0, 4); i > 0; i--)
            {
                RewriteSlot((ushort)r.Next(size));
            }
        }
        Assert.True(rig.Fake.GuardsIntact());
        Assert.Equal(256, _pool.Available);
        if (rig.Queue.IsBroken)
        {
            Assert.NotEqual(ChainStatus.Ok, rig.Queue.BrokenReason);
            Assert.NotEqual(ChainStatus.End, rig.Queue.BrokenReason);
        }
        long named = 0;
        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            named += _stats.Drops[reason];
        }
        Assert.Equal(_stats.Drops.Total, named);
    }

    /// <summary>
    /// A driver thread flips the flags (and fields) of every slot as fast as it can while the device receives and
    /// sends: whatever mix of old and new values the device sees, it stays inside guest memory and never throws.
    /// </summary>
    [Fact]
    public void Flags_flipping_under_the_device_never_escape_guest_memory()
    {
        var rig = new PackedQueueRig(16, regionBytes: 1 << 20);
        ulong buf = rig.Driver.Allocate(4096, 4096);
        ulong table = rig.Driver.Allocate(64);
        for (int e = 0; e < 4; e++)
        {
            rig.Driver.WriteRawDescriptorAt(table + (ulong)(e * 16), buf, 1000, 0, (ushort)(e == 2 ? Descriptor.IndirectFlag : 0));
        }
        using var stop = new CancellationTokenSource();
        var flipper = new Thread(() =>
        {
            var r = new Random(5);
            while (!stop.IsCancellationRequested)
            {
                ushort slot = (ushort)r.Next(16);
                ushort flags = (ushort)(r.Next(65536) & (PackedQueue.AvailFlag | PackedQueue.UsedFlag | Descriptor.NextFlag | Descriptor.WriteFlag | Descriptor.IndirectFlag));
                bool indirect = (flags & Descriptor.IndirectFlag) != 0;
                rig.Driver.WriteSlot(slot, indirect ? table : buf, indirect ? 64u : (uint)r.Next(0, 4096), (ushort)r.Next(), flags);
            }
        });
        flipper.Start();
        var rx = new PackedNetRx(rig.Queue);
        var tx = new PackedNetTx(rig.Queue);
        int calls = 0;
        for (; calls < 20_000; calls++)
        {
            if (rig.Queue.IsBroken)
            {
                rig.Queue.Reset();
                rig.Driver.Configure(rig.Queue);
                Assert.True(rig.Queue.TryValidate(rig.Memory));
            }
            rx.Receive(rig.Memory, _batch, _pool, 12, false, _stats);
            _batch.FreeAll();
            rx.Complete(rig.Memory, null);
            _pool.TryRent(out PacketBuffer? p);
            p!.TrySetLength(100);
            _batch.TryAdd(p);
            tx.Send(rig.Memory, _batch, (calls & 1) == 0, 12, null, _stats);
        }
        stop.Cancel();
        flipper.Join();
        Assert.True(rig.Fake.GuardsIntact());
        Assert.Equal(256, _pool.Available);
    }
}
