using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Queue;

public sealed class DescriptorChainWalkerTests
{
    private readonly VirtqueueRig _rig = new(queueSize: 16);

    private DriverSideQueue Driver => _rig.Driver;

    private (ChainStatus Final, List<Descriptor> Seen) Walk(ushort head)
    {
        var seen = new List<Descriptor>();
        var walker = new DescriptorChainWalker(_rig.Memory, _rig.Queue, head);
        ChainStatus s;
        int guard = 0;
        while ((s = walker.Next(out Descriptor d)) == ChainStatus.Ok)
        {
            seen.Add(d);
            Assert.True(++guard < 100_000, "walker did not terminate");
        }
        Assert.Equal(s, walker.Next(out _));   // latched
        return (s, seen);
    }

    [Fact]
    public void Direct_chain_yields_every_descriptor_in_order()
    {
        ulong a = Driver.Allocate(100), b = Driver.Allocate(200), c = Driver.Allocate(300);
        ushort head = Driver.AddChain(DriverBuffer.Readable(a, 100), DriverBuffer.Readable(b, 200), DriverBuffer.Writable(c, 300));

        var (final, seen) = Walk(head);

        Assert.Equal(ChainStatus.End, final);
        Assert.Equal([a, b, c], seen.Select(d => d.Address.Value));
        Assert.Equal([100u, 200u, 300u], seen.Select(d => d.Length));
        Assert.Equal([false, false, true], seen.Select(d => d.IsWritable));
    }

    [Fact]
    public void Indirect_chain_yields_the_table_entries()
    {
        ulong a = Driver.Allocate(64), b = Driver.Allocate(64);
        ushort head = Driver.AddIndirectChain(DriverBuffer.Readable(a, 10), DriverBuffer.Writable(b, 64));

        var (final, seen) = Walk(head);

        Assert.Equal(ChainStatus.End, final);
        Assert.Equal([a, b], seen.Select(d => d.Address.Value));
        Assert.All(seen, d => Assert.False(d.IsIndirect));
    }

    [Fact]
    public void Direct_descriptors_followed_by_an_indirect_one_are_accepted()
    {
        // VIRTIO 1.2 §2.7.5.3.2: the device handles normal descriptors followed by one indirect descriptor.
        ulong a = Driver.Allocate(32), b = Driver.Allocate(32), c = Driver.Allocate(32);
        ulong table = Driver.Allocate(32);
        Driver.WriteRawDescriptorAt(table, b, 32, Descriptor.NextFlag, 1);
        Driver.WriteRawDescriptorAt(table + 16, c, 32, Descriptor.WriteFlag, 0);
        Driver.WriteDescriptor(5, a, 32, Descriptor.NextFlag, 6);
        Driver.WriteDescriptor(6, table, 32, Descriptor.IndirectFlag | Descriptor.WriteFlag, 0);

        var (final, seen) = Walk(5);

        Assert.Equal(ChainStatus.End, final);
        Assert.Equal([a, b, c], seen.Select(d => d.Address.Value));
    }

    [Fact]
    public void Indirect_table_next_may_jump_within_the_table()
    {
        ulong a = Driver.Allocate(32), b = Driver.Allocate(32);
        ulong table = Driver.Allocate(48);
        Driver.WriteRawDescriptorAt(table, a, 32, Descriptor.NextFlag, 2);
        Driver.WriteRawDescriptorAt(table + 32, b, 32, 0, 0);
        ushort head = Driver.AddRawChainHead(table, 48, Descriptor.IndirectFlag);

        var (final, seen) = Walk(head);

        Assert.Equal(ChainStatus.End, final);
        Assert.Equal([a, b], seen.Select(d => d.Address.Value));
    }

    [Fact]
    public void Loop_in_the_table_is_detected_within_queue_size_steps()
    {
        ulong a = Driver.Allocate(8);
        Driver.WriteDescriptor(0, a, 8, Descriptor.NextFlag, 1);
        Driver.WriteDescriptor(1, a, 8, Descriptor.NextFlag, 0);

        var (final, seen) = Walk(0);

        Assert.Equal(ChainStatus.Loop, final);
        Assert.Equal(16, seen.Count);
    }

    [Fact]
    public void Self_loop_in_an_indirect_table_is_detected()
    {
        ulong a = Driver.Allocate(8);
        ulong table = Driver.Allocate(64);
        for (int i = 0; i < 4; i++)
        {
            Driver.WriteRawDescriptorAt(table + (ulong)(16 * i), a, 8, Descriptor.NextFlag, 3);
        }
        ushort head = Driver.AddRawChainHead(table, 64, Descriptor.IndirectFlag);

        var (final, seen) = Walk(head);

        Assert.Equal(ChainStatus.Loop, final);
        Assert.Equal(4, seen.Count);
    }

    [Fact]
    public void Chain_visiting_every_descriptor_once_is_not_a_loop()
    {
        ulong a = Driver.Allocate(8);
        for (ushort i = 0; i < 16; i++)
        {
            Driver.WriteDescriptor(i, a, 8, i == 15 ? (ushort)0 : Descriptor.NextFlag, (ushort)(i + 1));
        }
        Assert.Equal(ChainStatus.End, Walk(0).Final);
    }

    [Fact]
    public void Buffer_outside_guest_memory_is_out_of_range()
    {
        ushort head = Driver.AddChain(DriverBuffer.Readable(VirtqueueRig.RegionBase + (4 << 20) - 10, 11));
        Assert.Equal(ChainStatus.OutOfRange, Walk(head).Final);
    }

    [Fact]
    public void Zero_length_descriptor_needs_no_mapping()
    {
        ushort head = Driver.AddChain(DriverBuffer.Readable(0xdead_0000_0000, 0));
        var (final, seen) = Walk(head);
        Assert.Equal(ChainStatus.End, final);
        Assert.Single(seen);
    }

    [Fact]
    public void Absurd_length_at_a_mapped_address_is_out_of_range()
    {
        ulong a = Driver.Allocate(64);
        ushort head = Driver.AddChain(DriverBuffer.Readable(a, 64), DriverBuffer.Readable(a, 0x1000_0000));

        var (final, seen) = Walk(head);

        Assert.Equal(ChainStatus.OutOfRange, final);
        Assert.Single(seen);
        Assert.True(_rig.Fake.GuardsIntact());
    }

    [Fact]
    public void Exactly_four_gigabytes_passes_the_budget_and_one_more_byte_fails_it()
    {
        // Use zero-length-free descriptors that map: the budget check comes before the mapping check, so
        // a 2^32 + 1 total fails with TooLong even though the buffers are absurd.
        Driver.WriteDescriptor(0, VirtqueueRig.RegionBase, 16, Descriptor.NextFlag, 1);
        Driver.WriteDescriptor(1, 0xdead_0000, uint.MaxValue, 0, 0);
        var w = new DescriptorChainWalker(_rig.Memory, _rig.Queue, 0);
        Assert.Equal(ChainStatus.Ok, w.Next(out _));
        Assert.Equal(ChainStatus.TooLong, w.Next(out _));

        Driver.WriteDescriptor(0, VirtqueueRig.RegionBase, 1, Descriptor.NextFlag, 1);
        var w2 = new DescriptorChainWalker(_rig.Memory, _rig.Queue, 0);
        Assert.Equal(ChainStatus.Ok, w2.Next(out _));
        Assert.Equal(ChainStatus.OutOfRange, w2.Next(out _));   // 1 + (2^32 - 1) = 2^32: within budget
    }

    [Fact]
    public void Head_or_next_outside_the_table_is_bad_head()
    {
        Assert.Equal(ChainStatus.BadHead, Walk(16).Final);
        Assert.Equal(ChainStatus.BadHead, Walk(ushort.MaxValue).Final);

        Driver.WriteDescriptor(3, VirtqueueRig.RegionBase, 8, Descriptor.NextFlag, 16);
        var (final, seen) = Walk(3);
        Assert.Equal(ChainStatus.BadHead, final);
        Assert.Single(seen);
    }

    [Fact]
    public void Nested_indirect_is_rejected()
    {
        ulong inner = Driver.Allocate(16);
        Driver.WriteRawDescriptorAt(inner, VirtqueueRig.RegionBase, 8, 0, 0);
        ulong outer = Driver.Allocate(16);
        Driver.WriteRawDescriptorAt(outer, inner, 16, Descriptor.IndirectFlag, 0);
        ushort head = Driver.AddRawChainHead(outer, 16, Descriptor.IndirectFlag);

        Assert.Equal(ChainStatus.BadIndirect, Walk(head).Final);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(15u)]
    [InlineData(17u)]
    [InlineData(40u)]
    public void Indirect_table_length_must_be_a_non_zero_multiple_of_16(uint length)
    {
        ulong table = Driver.Allocate(64);
        ushort head = Driver.AddRawChainHead(table, length, Descriptor.IndirectFlag);
        Assert.Equal(ChainStatus.BadIndirect, Walk(head).Final);
    }

    [Fact]
    public void Indirect_with_next_flag_is_rejected()
    {
        ulong table = Driver.Allocate(16);
        Driver.WriteRawDescriptorAt(table, VirtqueueRig.RegionBase, 8, 0, 0);
        ushort head = Driver.AddRawChainHead(table, 16, Descriptor.IndirectFlag | Descriptor.NextFlag, 1);
        Assert.Equal(ChainStatus.BadIndirect, Walk(head).Final);
    }

    [Fact]
    public void Indirect_table_outside_memory_or_next_outside_table_is_rejected()
    {
        ushort unmapped = Driver.AddRawChainHead(0xdead_0000, 32, Descriptor.IndirectFlag);
        Assert.Equal(ChainStatus.OutOfRange, Walk(unmapped).Final);

        ulong table = Driver.Allocate(32);
        Driver.WriteRawDescriptorAt(table, VirtqueueRig.RegionBase, 8, Descriptor.NextFlag, 2);
        ushort head = Driver.AddRawChainHead(table, 32, Descriptor.IndirectFlag);
        var (final, seen) = Walk(head);
        Assert.Equal(ChainStatus.BadIndirect, final);
        Assert.Single(seen);
    }

    [Fact]
    public void Readable_after_writable_is_wrong_direction()
    {
        ulong a = Driver.Allocate(8), b = Driver.Allocate(8);
        ushort head = Driver.AddChain(DriverBuffer.Writable(a, 8), DriverBuffer.Readable(b, 8));
        Assert.Equal(ChainStatus.WrongDirection, Walk(head).Final);
    }

    [Theory]
    [InlineData(ChainDirection.ReadableOnly, true)]
    [InlineData(ChainDirection.WritableOnly, false)]
    public void Buffer_against_the_queue_direction_is_wrong_direction(ChainDirection direction, bool writable)
    {
        ulong a = Driver.Allocate(8), b = Driver.Allocate(8);
        ushort head = Driver.AddChain(new DriverBuffer(a, 8, !writable), new DriverBuffer(b, 8, writable));
        var walker = new DescriptorChainWalker(_rig.Memory, _rig.Queue, head, direction);

        Assert.Equal(ChainStatus.Ok, walker.Next(out _));
        Assert.Equal(ChainStatus.WrongDirection, walker.Next(out _, out GuestWindow buffer));
        Assert.True(buffer.IsEmpty);
        Assert.Equal(ChainStatus.WrongDirection, walker.Next(out _));
    }

    [Fact]
    public void Buffer_outside_memory_is_out_of_range_before_it_is_wrong_direction()
    {
        // The order of the checks decides the verdict (and the drop counter) when a descriptor breaks two rules.
        ushort head = Driver.AddChain(DriverBuffer.Writable(0xdead_0000, 8));
        var walker = new DescriptorChainWalker(_rig.Memory, _rig.Queue, head, ChainDirection.ReadableOnly);
        Assert.Equal(ChainStatus.OutOfRange, walker.Next(out _));
    }

    [Fact]
    public void Unconfigured_queue_gives_out_of_range()
    {
        var walker = new DescriptorChainWalker(_rig.Memory, new SplitQueue(), 0);
        Assert.Equal(ChainStatus.OutOfRange, walker.Next(out _));
    }

    [Fact]
    public void Buffers_come_with_their_checked_windows()
    {
        ulong a = Driver.AllocateWith([9, 8, 7, 6]);
        ushort head = Driver.AddChain(DriverBuffer.Readable(a, 4));
        var walker = new DescriptorChainWalker(_rig.Memory, _rig.Queue, head);

        Assert.Equal(ChainStatus.Ok, walker.Next(out Descriptor d, out GuestWindow w));
        Assert.Equal(4UL, w.Length);
        Assert.Equal(a, w.Start.Value);
        byte[] copy = new byte[4];
        Assert.True(w.TryCopyTo(0, copy));
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, copy);
        Assert.Equal(4u, d.Length);
        Assert.Equal(ChainStatus.End, walker.Next(out _, out _));
    }
}
