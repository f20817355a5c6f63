using System.Buffers.Binary;
using VSwitch.Core.Diagnostics;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

public sealed class VirtioNetTxTests
{
    private readonly NetRig _n = new();

    private bool Send(bool mergeable, params byte[][] frames) => Send(mergeable, VirtioNetHeader.Size, frames);

    private bool Send(bool mergeable, int headerSize, params byte[][] frames)
    {
        foreach (byte[] f in frames)
        {
            _n.Batch.TryAdd(_n.Packet(f));
        }
        return _n.Tx.Send(_n.Rig.Memory, _n.Batch, mergeable, headerSize, null, _n.Stats);
    }

    private static byte[] ExpectedHeader(ushort numBuffers)
    {
        var h = new byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(10), numBuffers);
        return h;
    }

    [Fact]
    public void Packet_lands_in_one_writable_buffer_with_header_and_length()
    {
        ulong buf = _n.Driver.Allocate(2048);
        _n.Rig.Fake.Span(buf, 2048).Fill(0xCC);
        ushort head = _n.Driver.AddChain(DriverBuffer.Writable(buf, 2048));
        _n.Driver.PublishAvail();
        byte[] frame = NetRig.Frame(100, 7);

        Assert.True(Send(false, frame));

        var used = _n.Driver.ReadUsed();
        Assert.Equal([(head, 112u)], used.Select(u => ((ushort)u.Id, u.Length)));
        Assert.Equal(ExpectedHeader(1), _n.Rig.Fake.Read(buf, 12));
        Assert.Equal(frame, _n.Rig.Fake.Read(buf + 12, 100));
        Assert.Equal(0xCC, _n.Rig.Fake.Read(buf + 112, 1)[0]);
        Assert.Equal(1, _n.Stats.Packets);
        Assert.Equal(100, _n.Stats.Bytes);
        Assert.Equal(0, _n.Batch.Count);
        Assert.Equal(256, _n.Pool.Available);
    }

    [Fact]
    public void Packet_spreads_over_the_descriptors_of_one_chain()
    {
        ulong a = _n.Driver.Allocate(10), b = _n.Driver.Allocate(30), c = _n.Driver.Allocate(500);
        _n.Driver.AddChain(DriverBuffer.Writable(a, 10), DriverBuffer.Writable(b, 30), DriverBuffer.Writable(c, 500));
        _n.Driver.PublishAvail();
        byte[] frame = NetRig.Frame(200, 8);

        Send(false, frame);

        byte[] got = [.. _n.Rig.Fake.Read(a, 10), .. _n.Rig.Fake.Read(b, 30), .. _n.Rig.Fake.Read(c, 172)];
        Assert.Equal([.. ExpectedHeader(1), .. frame], got);
        Assert.Equal(212u, _n.Driver.ReadUsed()[0].Length);
    }

    [Fact]
    public void Legacy_header_has_no_num_buffers()
    {
        ulong buf = _n.Driver.Allocate(256);
        _n.Rig.Fake.Span(buf, 256).Fill(0xCC);
        _n.Driver.AddChain(DriverBuffer.Writable(buf, 256));
        _n.Driver.PublishAvail();
        byte[] frame = NetRig.Frame(64, 9);

        Send(false, VirtioNetHeader.LegacySize, frame);

        Assert.Equal(new byte[10], _n.Rig.Fake.Read(buf, 10));
        Assert.Equal(frame, _n.Rig.Fake.Read(buf + 10, 64));
        Assert.Equal(74u, _n.Driver.ReadUsed()[0].Length);
    }

    [Fact]
    public void Non_mergeable_too_small_buffer_drops_and_keeps_the_buffer_for_the_next_packet()
    {
        ulong small = _n.Driver.Allocate(100);
        ushort head = _n.Driver.AddChain(DriverBuffer.Writable(small, 100));
        _n.Driver.PublishAvail();

        Assert.False(Send(false, NetRig.Frame(200, 1)));
        Assert.Equal(1, _n.Stats.Drops[DropReason.TxNoGuestBuffer]);
        Assert.Empty(_n.Driver.ReadUsed());
        Assert.Equal(0, _n.Rig.Queue.NextAvail);

        Assert.True(Send(false, NetRig.Frame(60, 2)));
        Assert.Equal([(head, 72u)], _n.Driver.ReadUsed().Select(u => ((ushort)u.Id, u.Length)));
    }

    [Fact]
    public void No_buffers_drops_every_packet_and_frees_it()
    {
        Assert.False(Send(false, NetRig.Frame(60, 1), NetRig.Frame(60, 2)));
        Assert.Equal(2, _n.Stats.Drops[DropReason.TxNoGuestBuffer]);
        Assert.Equal(256, _n.Pool.Available);
        Assert.Equal(0, _n.Batch.Count);
    }

    [Fact]
    public void Mergeable_packet_uses_several_chains_and_sets_num_buffers()
    {
        var bufs = new List<ulong>();
        var heads = new List<ushort>();
        for (int i = 0; i < 4; i++)
        {
            ulong b = _n.Driver.Allocate(100);
            bufs.Add(b);
            heads.Add(_n.Driver.AddChain(DriverBuffer.Writable(b, 100)));
        }
        _n.Driver.PublishAvail();
        byte[] frame = NetRig.Frame(250, 3);          // 262 bytes with the header: 3 buffers

        Assert.True(Send(true, frame));

        var used = _n.Driver.ReadUsed();
        Assert.Equal(heads.Take(3), used.Select(u => (ushort)u.Id));
        Assert.Equal([100u, 100u, 62u], used.Select(u => u.Length));
        byte[] got = [.. _n.Rig.Fake.Read(bufs[0], 100), .. _n.Rig.Fake.Read(bufs[1], 100), .. _n.Rig.Fake.Read(bufs[2], 62)];
        Assert.Equal([.. ExpectedHeader(3), .. frame], got);
        Assert.Equal(1, _n.Rig.Queue.AvailableCount(_n.Rig.Memory));
    }

    [Fact]
    public void Mergeable_num_buffers_split_across_descriptors_is_patched()
    {
        // First chain: 11 bytes then 1 byte, so num_buffers' two bytes land in different descriptors.
        ulong a = _n.Driver.Allocate(11), b = _n.Driver.Allocate(1), c = _n.Driver.Allocate(64), d = _n.Driver.Allocate(64);
        _n.Driver.AddChain(DriverBuffer.Writable(a, 11), DriverBuffer.Writable(b, 1), DriverBuffer.Writable(c, 64));
        _n.Driver.AddChain(DriverBuffer.Writable(d, 64));
        _n.Driver.PublishAvail();

        Send(true, NetRig.Frame(100, 4));

        Assert.Equal(2, _n.Rig.Fake.Read(a + 10, 1)[0]);
        Assert.Equal(0, _n.Rig.Fake.Read(b, 1)[0]);
        Assert.Equal([76u, 36u], _n.Driver.ReadUsed().Select(u => u.Length));
    }

    [Fact]
    public void Mergeable_without_enough_buffers_rolls_back_and_later_packets_still_fit()
    {
        ushort h1 = _n.Driver.AddWritable(100);
        ushort h2 = _n.Driver.AddWritable(100);
        _n.Driver.PublishAvail();

        // 512 bytes need 6 buffers: dropped, nothing consumed; 62 bytes fit one; 162 bytes need two but one is left.
        Assert.True(Send(true, NetRig.Frame(500, 1), NetRig.Frame(50, 2), NetRig.Frame(150, 3)));

        Assert.Equal(2, _n.Stats.Drops[DropReason.TxNoGuestBuffer]);
        Assert.Equal(1, _n.Stats.Packets);
        var used = _n.Driver.ReadUsed();
        Assert.Equal([(h1, 62u)], used.Select(u => ((ushort)u.Id, u.Length)));
        Assert.Equal(1, _n.Rig.Queue.AvailableCount(_n.Rig.Memory));

        Assert.True(Send(true, NetRig.Frame(80, 4)));
        Assert.Equal([(h2, 92u)], _n.Driver.ReadUsed().Select(u => ((ushort)u.Id, u.Length)));
    }

    [Fact]
    public void Mergeable_packet_larger_than_the_whole_ring_is_too_large()
    {
        var n = new NetRig(queueSize: 4);
        for (int i = 0; i < 4; i++)
        {
            n.Driver.AddWritable(64);
        }
        n.Driver.PublishAvail();
        n.Batch.TryAdd(n.Packet(NetRig.Frame(1000, 0)));

        Assert.False(n.Tx.Send(n.Rig.Memory, n.Batch, true, 12, null, n.Stats));
        Assert.Equal(1, n.Stats.Drops[DropReason.PacketTooLarge]);
        Assert.Equal(4, n.Rig.Queue.AvailableCount(n.Rig.Memory));
    }

    [Fact]
    public void Readable_descriptor_in_a_receive_chain_breaks_the_queue()
    {
        ulong a = _n.Driver.Allocate(2048);
        _n.Driver.AddChain(DriverBuffer.Readable(a, 2048));
        _n.Driver.PublishAvail();

        Assert.False(Send(false, NetRig.Frame(60, 1), NetRig.Frame(60, 2)));
        Assert.Equal(ChainStatus.WrongDirection, _n.Rig.Queue.BrokenReason);
        Assert.Equal(1, _n.Stats.Drops[DropReason.RxChainInvalid]);
        Assert.Equal(1, _n.Stats.Drops[DropReason.QueueBroken]);
        Assert.Equal(256, _n.Pool.Available);
    }

    [Fact]
    public void Unmapped_buffer_breaks_the_queue_without_writing_outside()
    {
        _n.Driver.AddChain(DriverBuffer.Writable(VirtqueueRig.RegionBase + (4 << 20) - 8, 2048));
        _n.Driver.PublishAvail();

        Assert.False(Send(false, NetRig.Frame(60, 1)));
        Assert.Equal(1, _n.Stats.Drops[DropReason.GuestAddressUnmapped]);
        Assert.True(_n.Rig.Fake.GuardsIntact());
    }

    [Fact]
    public void Indirect_receive_chain_is_filled()
    {
        ulong a = _n.Driver.Allocate(12), b = _n.Driver.Allocate(1500);
        _n.Driver.AddIndirectChain(DriverBuffer.Writable(a, 12), DriverBuffer.Writable(b, 1500));
        _n.Driver.PublishAvail();
        byte[] frame = NetRig.Frame(1000, 5);

        Assert.True(Send(false, frame));
        Assert.Equal(frame, _n.Rig.Fake.Read(b, 1000));
    }

    [Fact]
    public void Used_idx_is_published_once_per_call_and_no_interrupt_is_honoured()
    {
        for (int i = 0; i < 3; i++)
        {
            _n.Driver.AddWritable(2048);
        }
        _n.Driver.PublishAvail();
        _n.Driver.SetAvailFlags(SplitQueue.AvailFlagNoInterrupt);

        Assert.False(Send(false, NetRig.Frame(60, 1), NetRig.Frame(60, 2), NetRig.Frame(60, 3)));
        Assert.Equal(3, _n.Driver.UsedIdx);
    }

    [Fact]
    public void Mergeable_needs_the_twelve_byte_header()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Send(true, VirtioNetHeader.LegacySize, NetRig.Frame(60, 1)));
    }
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Buffer_whose_tail_is_unmapped_breaks_the_queue_even_when_the_packet_would_fit_the_mapped_part(bool mergeable)
    {
        // 512 mapped bytes would hold the 72 the packet needs, but the descriptor claims 2048: the whole buffer must be
        // guest memory, on the one-descriptor path as on the walked one.
        _n.Driver.AddChain(DriverBuffer.Writable(VirtqueueRig.RegionBase + (4 << 20) - 512, 2048));
        _n.Driver.PublishAvail();

        Assert.False(Send(mergeable, NetRig.Frame(60, 1)));

        Assert.Equal(ChainStatus.OutOfRange, _n.Rig.Queue.BrokenReason);
        Assert.Equal(1, _n.Stats.Drops[DropReason.GuestAddressUnmapped]);
        Assert.Empty(_n.Driver.ReadUsed());
        Assert.True(_n.Rig.Fake.GuardsIntact());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_batch_of_one_descriptor_chains_is_written_in_ring_order(bool mergeable)
    {
        var buffers = new ulong[8];
        var heads = new ushort[8];
        var frames = new byte[8][];
        for (int i = 0; i < 8; i++)
        {
            buffers[i] = _n.Driver.Allocate(2048);
            heads[i] = _n.Driver.AddChain(DriverBuffer.Writable(buffers[i], 2048));
            frames[i] = NetRig.Frame(60 + i, i);
        }
        _n.Driver.PublishAvail();

        Assert.True(Send(mergeable, frames));

        var used = _n.Driver.ReadUsed();
        Assert.Equal(heads.Select((h, i) => (h, (uint)(72 + i))), used.Select(u => ((ushort)u.Id, u.Length)));
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal([.. ExpectedHeader(1), .. frames[i]], _n.Rig.Fake.Read(buffers[i], 72 + i));
        }
        Assert.Equal(8, _n.Stats.Packets);
    }

    [Fact]
    public void Writable_descriptor_with_next_is_not_taken_for_a_whole_buffer()
    {
        // The first descriptor alone is big enough, but the chain goes on: the walk still checks the second one.
        ulong a = _n.Driver.Allocate(2048);
        _n.Driver.AddChain(DriverBuffer.Writable(a, 2048), DriverBuffer.Writable(0xdead_0000, 64));
        _n.Driver.PublishAvail();

        Assert.False(Send(false, NetRig.Frame(60, 1)));

        Assert.Equal(ChainStatus.OutOfRange, _n.Rig.Queue.BrokenReason);
        Assert.Equal(1, _n.Stats.Drops[DropReason.GuestAddressUnmapped]);
    }
}
