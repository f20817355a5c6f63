using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

public sealed class VirtioNetRxTests
{
    private readonly NetRig _n = new();

    private int Receive(bool zeroCopy = false, int headerSize = VirtioNetHeader.Size) =>
        _n.Rx.Receive(_n.Rig.Memory, _n.Batch, _n.Pool, headerSize, zeroCopy, _n.Stats);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Header_plus_frame_in_one_descriptor_becomes_one_packet(bool zeroCopy)
    {
        byte[] frame = NetRig.Frame(60, 1);
        _n.Driver.AddReadable(NetRig.WithHeader(frame, 12));
        _n.Driver.PublishAvail();

        Assert.Equal(1, Receive(zeroCopy));

        PacketBuffer p = _n.Batch[0];
        Assert.Equal(frame, p.Span.ToArray());
        Assert.Equal(zeroCopy, p.IsExternal);
        Assert.Equal(1, _n.Stats.Packets);
        Assert.Equal(60, _n.Stats.Bytes);
        Assert.Equal(1, _n.Rx.HeldCount);
    }

    [Fact]
    public void Zero_copy_packet_points_into_guest_memory_until_complete()
    {
        byte[] frame = NetRig.Frame(100, 2);
        byte[] data = NetRig.WithHeader(frame, 12);
        ulong gpa = _n.Driver.AllocateWith(data);
        _n.Driver.AddChain(DriverBuffer.Readable(gpa, (uint)data.Length));
        _n.Driver.PublishAvail();

        Receive(zeroCopy: true);
        _n.Rig.Fake.Write(gpa + 12, [0x42]);   // the guest scribbling (illegal, but shows the packet is lent memory)

        Assert.Equal(0x42, _n.Batch[0].Span[0]);
        Assert.Empty(_n.Driver.ReadUsed());     // not returned before Complete
    }

    [Fact]
    public void Header_in_its_own_descriptor_and_frame_in_another_is_zero_copy()
    {
        byte[] frame = NetRig.Frame(64, 3);
        ulong h = _n.Driver.AllocateWith(new byte[12]);
        ulong f = _n.Driver.AllocateWith(frame);
        _n.Driver.AddChain(DriverBuffer.Readable(h, 12), DriverBuffer.Readable(f, 64));
        _n.Driver.PublishAvail();

        Assert.Equal(1, Receive(zeroCopy: true));
        Assert.True(_n.Batch[0].IsExternal);
        Assert.Equal(frame, _n.Batch[0].Span.ToArray());
    }

    [Fact]
    public void Header_split_over_descriptors_and_frame_over_several_is_copied()
    {
        byte[] frame = NetRig.Frame(200, 4);
        byte[] all = NetRig.WithHeader(frame, 12);
        // 5 header bytes | 7 header bytes + 50 frame bytes | 150 frame bytes
        ulong a = _n.Driver.AllocateWith(all.AsSpan(0, 5));
        ulong b = _n.Driver.AllocateWith(all.AsSpan(5, 57));
        ulong c = _n.Driver.AllocateWith(all.AsSpan(62));
        _n.Driver.AddChain(DriverBuffer.Readable(a, 5), DriverBuffer.Readable(b, 57), DriverBuffer.Readable(c, 150));
        _n.Driver.PublishAvail();

        Assert.Equal(1, Receive(zeroCopy: true));

        Assert.False(_n.Batch[0].IsExternal);
        Assert.Equal(frame, _n.Batch[0].Span.ToArray());
    }

    [Fact]
    public void Indirect_chain_is_received()
    {
        byte[] frame = NetRig.Frame(90, 5);
        ulong h = _n.Driver.AllocateWith(new byte[12]);
        ulong f = _n.Driver.AllocateWith(frame);
        _n.Driver.AddIndirectChain(DriverBuffer.Readable(h, 12), DriverBuffer.Readable(f, 90));
        _n.Driver.PublishAvail();

        Assert.Equal(1, Receive());
        Assert.Equal(frame, _n.Batch[0].Span.ToArray());
    }

    [Fact]
    public void Legacy_ten_byte_header_is_skipped()
    {
        byte[] frame = NetRig.Frame(60, 6);
        _n.Driver.AddReadable(NetRig.WithHeader(frame, 10));
        _n.Driver.PublishAvail();

        Assert.Equal(1, Receive(headerSize: VirtioNetHeader.LegacySize));
        Assert.Equal(frame, _n.Batch[0].Span.ToArray());
    }

    [Fact]
    public void Complete_returns_every_held_head_with_length_zero_and_publishes_once()
    {
        var heads = new HashSet<uint>();
        for (int i = 0; i < 5; i++)
        {
            heads.Add(_n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(64, i), 12)));
        }
        _n.Driver.PublishAvail();
        Assert.Equal(5, Receive());
        _n.Batch.FreeAll();

        Assert.True(_n.Rx.Complete(_n.Rig.Memory, null));

        var used = _n.Driver.ReadUsed();
        Assert.Equal(heads, used.Select(u => u.Id).ToHashSet());
        Assert.All(used, u => Assert.Equal(0u, u.Length));
        Assert.Equal(0, _n.Rx.HeldCount);
        Assert.False(_n.Rx.Complete(_n.Rig.Memory, null));   // nothing held
    }

    [Fact]
    public void Receive_takes_no_more_than_the_batch_has_room_for()
    {
        for (int i = 0; i < 40; i++)
        {
            _n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(64, i), 12));
        }
        _n.Driver.PublishAvail();

        Assert.Equal(32, Receive());
        Assert.Equal(0, Receive());   // batch full
        _n.Batch.FreeAll();
        _n.Rx.Complete(_n.Rig.Memory, null);
        Assert.Equal(8, Receive());
    }

    [Fact]
    public void Runt_frame_is_dropped_but_its_head_returned()
    {
        _n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(13, 0), 12));
        _n.Driver.AddReadable(new byte[8]);     // shorter than the header
        _n.Driver.PublishAvail();

        Assert.Equal(0, Receive());
        Assert.Equal(2, _n.Stats.Drops[DropReason.RxRunt]);
        Assert.Equal(2, _n.Rx.HeldCount);
        _n.Rx.Complete(_n.Rig.Memory, null);
        Assert.Equal(2, _n.Driver.ReadUsed().Count);
        Assert.False(_n.Rig.Queue.IsBroken);
    }

    [Fact]
    public void Empty_pool_drops_with_pool_exhausted()
    {
        var tiny = new NetRig(poolSize: 1);
        tiny.Pool.TryRent(out PacketBuffer? only);
        tiny.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(64, 0), 12));
        tiny.Driver.PublishAvail();

        Assert.Equal(0, tiny.Rx.Receive(tiny.Rig.Memory, tiny.Batch, tiny.Pool, 12, false, tiny.Stats));
        Assert.Equal(1, tiny.Stats.Drops[DropReason.PoolExhausted]);
        only!.Free();
    }

    [Fact]
    public void Frame_larger_than_a_pool_buffer_is_dropped_too_large()
    {
        var small = new NetRig(poolSize: 4);
        var smallPool = new PacketPool(4, dataRoom: 128);
        small.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(300, 0), 12));
        ulong a = small.Driver.AllocateWith(new byte[112]);
        ulong b = small.Driver.AllocateWith(new byte[200]);
        small.Driver.AddChain(DriverBuffer.Readable(a, 112), DriverBuffer.Readable(b, 200));
        small.Driver.PublishAvail();

        Assert.Equal(0, small.Rx.Receive(small.Rig.Memory, small.Batch, smallPool, 12, true, small.Stats));
        Assert.Equal(2, small.Stats.Drops[DropReason.PacketTooLarge]);
        Assert.Equal(4, smallPool.Available);
    }

    [Fact]
    public void Writable_descriptor_in_a_transmit_chain_breaks_the_queue()
    {
        ulong a = _n.Driver.AllocateWith(NetRig.WithHeader(NetRig.Frame(64, 0), 12));
        _n.Driver.AddChain(DriverBuffer.Writable(a, 76));
        _n.Driver.PublishAvail();

        Assert.Equal(0, Receive());
        Assert.Equal(ChainStatus.WrongDirection, _n.Rig.Queue.BrokenReason);
        Assert.Equal(1, _n.Stats.Drops[DropReason.RxChainInvalid]);
    }

    [Fact]
    public void Good_packets_before_a_bad_chain_are_delivered_then_the_queue_stops()
    {
        _n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(64, 0), 12));
        _n.Driver.AddChain(DriverBuffer.Readable(0xdead_0000, 64));
        _n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(64, 1), 12));
        _n.Driver.PublishAvail();

        Assert.Equal(1, Receive());
        Assert.Equal(1, _n.Stats.Drops[DropReason.GuestAddressUnmapped]);
        Assert.True(_n.Rig.Queue.IsBroken);
        _n.Batch.FreeAll();
        Assert.False(_n.Rx.Complete(_n.Rig.Memory, null));
        Assert.Equal(0, Receive());
        Assert.Equal(256, _n.Pool.Available);
    }

    [Fact]
    public void Avail_jump_counts_queue_broken_once()
    {
        _n.Driver.SetAvailIdxRaw(1000);

        Assert.Equal(0, Receive());
        Assert.Equal(0, Receive());
        Assert.Equal(1, _n.Stats.Drops[DropReason.QueueBroken]);
        Assert.Equal(ChainStatus.AvailIndexJump, _n.Rig.Queue.BrokenReason);
    }

    [Theory]
    [InlineData(ChainStatus.Loop)]
    [InlineData(ChainStatus.BadIndirect)]
    [InlineData(ChainStatus.BadHead)]
    [InlineData(ChainStatus.TooLong)]
    public void Malformed_chains_break_the_queue_and_count_chain_invalid(ChainStatus kind)
    {
        ulong a = _n.Driver.AllocateWith(new byte[128]);
        switch (kind)
        {
            case ChainStatus.Loop:
                _n.Driver.WriteDescriptor(0, a, 16, Descriptor.NextFlag, 0);
                _n.Driver.PushAvail(0);
                break;
            case ChainStatus.BadIndirect:
                _n.Driver.AddRawChainHead(a, 24, Descriptor.IndirectFlag);
                break;
            case ChainStatus.BadHead:
                _n.Driver.WriteDescriptor(0, a, 16, Descriptor.NextFlag, 64);
                _n.Driver.PushAvail(0);
                break;
            case ChainStatus.TooLong:
                // 1025 mapped descriptors of 4 MiB each (the whole region) add up to more than 2^32 bytes.
                ulong table = _n.Driver.Allocate(1025 * 16);
                for (int i = 0; i < 1025; i++)
                {
                    _n.Driver.WriteRawDescriptorAt(table + (ulong)(16 * i), VirtqueueRig.RegionBase, 4 << 20, Descriptor.NextFlag, (ushort)(i + 1));
                }
                _n.Driver.AddRawChainHead(table, 1025 * 16, Descriptor.IndirectFlag);
                break;
        }
        _n.Driver.PublishAvail();

        Assert.Equal(0, Receive());
        Assert.Equal(kind, _n.Rig.Queue.BrokenReason);
        Assert.Equal(1, _n.Stats.Drops[DropReason.RxChainInvalid]);
        Assert.True(_n.Rig.Fake.GuardsIntact());
    }

    [Fact]
    public void Bad_header_size_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Receive(headerSize: 13));
    }
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_descriptor_whose_tail_is_unmapped_breaks_the_queue(bool zeroCopy)
    {
        // The frame lies in the mapped part, but the descriptor claims bytes past the end of guest memory.
        _n.Driver.AddChain(DriverBuffer.Readable(VirtqueueRig.RegionBase + (4 << 20) - 512, 2048));
        _n.Driver.PublishAvail();

        Assert.Equal(0, Receive(zeroCopy));

        Assert.Equal(ChainStatus.OutOfRange, _n.Rig.Queue.BrokenReason);
        Assert.Equal(1, _n.Stats.Drops[DropReason.GuestAddressUnmapped]);
        Assert.Equal(256, _n.Pool.Available);
    }

    [Fact]
    public void One_descriptor_with_a_runt_frame_is_counted_not_delivered()
    {
        _n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(13, 1), 12));
        _n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(14, 2), 12));
        _n.Driver.PublishAvail();

        Assert.Equal(1, Receive(zeroCopy: true));

        Assert.Equal(NetRig.Frame(14, 2), _n.Batch[0].Span.ToArray());
        Assert.Equal(1, _n.Stats.Drops[DropReason.RxRunt]);
        Assert.False(_n.Rig.Queue.IsBroken);
        _n.Batch.FreeAll();
        _n.Rx.Complete(_n.Rig.Memory, null);
        Assert.Equal(2, _n.Driver.UsedIdx);
    }

    [Fact]
    public void Complete_returns_a_full_batch_in_order_across_the_ring_wrap()
    {
        var rig = new NetRig(queueSize: 16);
        var expected = new List<ushort>();
        for (int round = 0; round < 3; round++)
        {
            expected.Clear();
            for (int i = 0; i < 12; i++)
            {
                expected.Add(rig.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(60, i), 12)));
            }
            rig.Driver.PublishAvail();
            Assert.Equal(12, rig.Rx.Receive(rig.Rig.Memory, rig.Batch, rig.Pool, 12, true, rig.Stats));
            rig.Batch.FreeAll();
            rig.Rx.Complete(rig.Rig.Memory, null);
            // ReadUsed hands back (and frees) what the device returned since the last call.
            Assert.Equal(expected, rig.Driver.ReadUsed().Select(u => (ushort)u.Id));
        }
        Assert.Equal(36, rig.Driver.UsedIdx);
    }
}
