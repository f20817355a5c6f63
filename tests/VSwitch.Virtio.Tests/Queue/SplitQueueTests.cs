using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Queue;

public sealed class SplitQueueTests
{
    [Theory]
    [InlineData((ushort)1, true)]
    [InlineData((ushort)256, true)]
    [InlineData((ushort)32768, true)]
    [InlineData((ushort)0, false)]
    [InlineData((ushort)3, false)]
    [InlineData((ushort)1000, false)]
    [InlineData((ushort)65535, false)]
    public void Size_must_be_a_power_of_two_up_to_32768(ushort size, bool ok)
    {
        var q = new SplitQueue();
        Assert.Equal(ok, q.TrySetSize(size));
        Assert.Equal(ok ? size : (ushort)0, q.Size);
    }

    [Fact]
    public void Validate_checks_placement_size_and_alignment()
    {
        var rig = new VirtqueueRig(queueSize: 64);
        var q = rig.Queue;
        var m = rig.Memory;
        ulong end = VirtqueueRig.RegionBase + (4 << 20);

        Assert.True(q.TryValidate(m));
        Assert.False(new SplitQueue().TryValidate(m));   // no size

        q.SetAddresses(new GuestAddress(rig.Driver.DescTable.Value + 8), rig.Driver.AvailRing, rig.Driver.UsedRing, null);
        Assert.False(q.TryValidate(m));   // desc not 16-aligned
        q.SetAddresses(rig.Driver.DescTable, new GuestAddress(rig.Driver.AvailRing.Value + 1), rig.Driver.UsedRing, null);
        Assert.False(q.TryValidate(m));   // avail not 2-aligned
        q.SetAddresses(rig.Driver.DescTable, rig.Driver.AvailRing, new GuestAddress(rig.Driver.UsedRing.Value + 2), null);
        Assert.False(q.TryValidate(m));   // used not 4-aligned

        // Used ring with its avail_event needs 6 + 8 * 64 = 518 bytes.
        q.SetAddresses(rig.Driver.DescTable, rig.Driver.AvailRing, new GuestAddress(end - 516), null);
        Assert.False(q.TryValidate(m));
        q.SetAddresses(rig.Driver.DescTable, rig.Driver.AvailRing, new GuestAddress(end - 520), null);
        Assert.True(q.TryValidate(m));
        // Avail ring with used_event: 6 + 2 * 64 = 134 bytes.
        q.SetAddresses(rig.Driver.DescTable, new GuestAddress(end - 132), rig.Driver.UsedRing, null);
        Assert.False(q.TryValidate(m));
        q.SetAddresses(rig.Driver.DescTable, new GuestAddress(end - 134), rig.Driver.UsedRing, null);
        Assert.True(q.TryValidate(m));
        // Descriptor table: 16 * 64 bytes.
        q.SetAddresses(new GuestAddress(end - 1008), rig.Driver.AvailRing, rig.Driver.UsedRing, null);
        Assert.False(q.TryValidate(m));
        q.SetAddresses(new GuestAddress(ulong.MaxValue - 15), rig.Driver.AvailRing, rig.Driver.UsedRing, null);
        Assert.False(q.TryValidate(m));
        Assert.False(q.TryValidate(GuestMemory.Empty));
        Assert.False(q.IsBroken);
    }

    [Fact]
    public void Available_count_follows_the_avail_idx()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        Assert.Equal(0, rig.Queue.AvailableCount(rig.Memory));

        rig.Driver.AddWritable(64);
        rig.Driver.AddWritable(64);
        Assert.Equal(0, rig.Queue.AvailableCount(rig.Memory));   // not published yet
        rig.Driver.PublishAvail();
        Assert.Equal(2, rig.Queue.AvailableCount(rig.Memory));

        Assert.True(rig.Queue.TryPopAvail(rig.Memory, out ushort head));
        Assert.Equal(1, rig.Queue.AvailableCount(rig.Memory));
        Assert.Equal(1, rig.Queue.NextAvail);
        Assert.True(head < 8);
    }

    [Fact]
    public void Avail_idx_jump_beyond_size_breaks_the_queue()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Driver.SetAvailIdxRaw(8);
        Assert.Equal(8, rig.Queue.AvailableCount(rig.Memory));   // exactly size is legal

        rig.Driver.SetAvailIdxRaw(9);
        Assert.Equal(0, rig.Queue.AvailableCount(rig.Memory));
        Assert.True(rig.Queue.IsBroken);
        Assert.Equal(ChainStatus.AvailIndexJump, rig.Queue.BrokenReason);

        rig.Driver.SetAvailIdxRaw(1);
        Assert.Equal(0, rig.Queue.AvailableCount(rig.Memory));   // latched
        Assert.False(rig.Queue.TryPopAvail(rig.Memory, out _));
    }

    [Fact]
    public void Avail_head_outside_the_table_breaks_the_queue()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Driver.PushAvail(8);
        rig.Driver.PublishAvail();

        Assert.False(rig.Queue.TryPopAvail(rig.Memory, out _));
        Assert.Equal(ChainStatus.BadHead, rig.Queue.BrokenReason);
    }

    [Fact]
    public void Used_elements_become_visible_only_when_published()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        ushort head = rig.Driver.AddWritable(64);
        rig.Driver.PublishAvail();
        Assert.True(rig.Queue.TryPopAvail(rig.Memory, out ushort popped));
        Assert.Equal(head, popped);

        Assert.True(rig.Queue.TryAddUsed(rig.Memory, popped, 42, null));
        Assert.Empty(rig.Driver.ReadUsed());
        rig.Queue.PublishUsed(rig.Memory, null);

        Assert.Equal([(head, 42u)], rig.Driver.ReadUsed().Select(e => ((ushort)e.Id, e.Length)));
        Assert.Equal(1, rig.Driver.UsedIdx);
    }

    [Fact]
    public void State_round_trips_and_resumes_at_non_zero_bases()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Queue.SetState(new SplitQueueState(65533, 65533));
        Assert.Equal(new SplitQueueState(65533, 65533), rig.Queue.GetState());

        // The driver side resumes from the same base: its avail idx is 65533 and it adds 5 chains (wrapping 2^16).
        rig.Driver.SetAvailIdxRaw(65533);
        var heads = new List<ushort>();
        for (int i = 0; i < 5; i++)
        {
            heads.Add(rig.Driver.AddWritable(32));
        }
        rig.Driver.PublishAvail();

        Assert.Equal(5, rig.Queue.AvailableCount(rig.Memory));
        var popped = new List<ushort>();
        while (rig.Queue.TryPopAvail(rig.Memory, out ushort h))
        {
            popped.Add(h);
            rig.Queue.TryAddUsed(rig.Memory, h, 0, null);
        }
        rig.Queue.PublishUsed(rig.Memory, null);

        Assert.Equal(heads, popped);
        Assert.Equal(new SplitQueueState(2, 2), rig.Queue.GetState());
        Assert.Equal(2, rig.Driver.UsedIdx);
    }

    [Fact]
    public void Reset_clears_everything_including_broken()
    {
        var rig = new VirtqueueRig(queueSize: 8, eventIdx: true);
        rig.Queue.MarkBroken(ChainStatus.Loop);
        rig.Queue.MarkBroken(ChainStatus.TooLong);
        Assert.Equal(ChainStatus.Loop, rig.Queue.BrokenReason);

        rig.Queue.Reset();

        Assert.False(rig.Queue.IsBroken);
        Assert.Equal(ChainStatus.Ok, rig.Queue.BrokenReason);
        Assert.Equal(0, rig.Queue.Size);
        Assert.False(rig.Queue.EventIdx);
        Assert.Null(rig.Queue.UsedLogAddress);
        Assert.Equal(default, rig.Queue.GetState());
        Assert.Equal(0, rig.Queue.AvailableCount(rig.Memory));
        Assert.False(rig.Queue.IsBroken);   // unconfigured is not broken
    }

    [Fact]
    public void Memory_snapshot_without_the_rings_breaks_the_queue()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        var other = new FakeGuestMemory(0x4000_0000, 4096);

        Assert.Equal(0, rig.Queue.AvailableCount(other.Memory));
        Assert.True(rig.Queue.IsBroken);
        Assert.Equal(ChainStatus.OutOfRange, rig.Queue.BrokenReason);
    }

    [Fact]
    public void New_snapshot_covering_the_rings_is_picked_up()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Driver.AddWritable(8);
        rig.Driver.PublishAvail();
        var copy = new GuestMemory(rig.Fake.Regions);

        Assert.Equal(1, rig.Queue.AvailableCount(copy));
        Assert.False(rig.Queue.IsBroken);
    }
    [Fact]
    public void Prefetching_hostile_heads_and_buffers_changes_nothing()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        ushort good = rig.Driver.AddWritable(64);
        rig.Driver.PushAvail(200);                                          // head outside the table
        rig.Driver.AddChain(DriverBuffer.Writable(0xdead_0000, 64));         // buffer outside guest memory
        rig.Driver.AddRawChainHead(VirtqueueRig.RegionBase, 48, 4);          // indirect: not followed
        rig.Driver.PublishAvail();
        Assert.Equal(4, rig.Queue.AvailableCount(rig.Memory));

        rig.Queue.PrefetchChains(rig.Memory, 64, 4096);

        Assert.False(rig.Queue.IsBroken);
        Assert.Equal(new SplitQueueState(0, 0), rig.Queue.GetState());
        Assert.True(rig.Queue.TryPopAvail(rig.Memory, out ushort first));
        Assert.Equal(good, first);
        Assert.False(rig.Queue.TryPopAvail(rig.Memory, out _));
        Assert.Equal(ChainStatus.BadHead, rig.Queue.BrokenReason);
    }

    [Fact]
    public void Prefetching_looks_only_at_entries_already_counted_available()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Driver.AddWritable(64);
        rig.Driver.PublishAvail();
        rig.Queue.PrefetchChains(rig.Memory, 8, 64);      // nothing counted yet: a no-op
        Assert.Equal(1, rig.Queue.AvailableCount(rig.Memory));
        rig.Queue.PrefetchChains(rig.Memory, 8, 64);
        Assert.Equal(new SplitQueueState(0, 0), rig.Queue.GetState());
        Assert.False(rig.Queue.IsBroken);
    }

    [Fact]
    public void Used_range_is_written_in_order_across_the_wrap_and_published_once()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Queue.SetState(new SplitQueueState(6, 6));
        ushort[] heads = [5, 3, 7, 0, 1];

        Assert.True(rig.Queue.TryAddUsedRange(rig.Memory, heads, 9, null));
        Assert.Equal((ushort)11, rig.Queue.NextUsed);
        Assert.Equal(0, rig.Driver.UsedIdx);
        rig.Queue.PublishUsed(rig.Memory, null);

        Assert.Equal(11, rig.Driver.UsedIdx);
        for (int i = 0; i < heads.Length; i++)
        {
            var bytes = rig.Driver.Span(rig.Driver.UsedRing.Value + 4 + (8u * (uint)((6 + i) & 7)), 8);
            Assert.Equal(heads[i], System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes));
            Assert.Equal(9u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]));
        }
    }

    [Fact]
    public void Used_range_on_a_broken_queue_writes_nothing()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Queue.MarkBroken(ChainStatus.Loop);

        Assert.False(rig.Queue.TryAddUsedRange(rig.Memory, [1, 2], 0, null));
        Assert.Equal((ushort)0, rig.Queue.NextUsed);
    }
}
