using System.Runtime.InteropServices;
using VSwitch.Core.Packets;
using Xunit;

namespace VSwitch.Core.Tests.Packets;

/// <summary>
/// The pool over slabs of every backing. Core maps nothing itself, so these slabs come from a fake allocator (native
/// memory that records its release); the real mappings are tested with the native layer and the huge-page allocator.
/// </summary>
public sealed unsafe class PacketPoolSlabTests
{
    [Fact]
    public void Default_allocator_is_the_heap()
    {
        var pool = new PacketPool(4, dataRoom: 256);
        Assert.Equal(PacketSlabBacking.Heap, pool.Backing);
        Assert.Equal(0, pool.SlabAddress % 64);
        Assert.True(pool.SlabBytes >= (nuint)(pool.SlotSize * pool.Count));
        pool.Dispose();
        Assert.True(pool.IsDisposed);
    }

    [Theory]
    [InlineData(PacketSlabBacking.Heap)]
    [InlineData(PacketSlabBacking.TransparentHugePages)]
    [InlineData(PacketSlabBacking.HugeTlb)]
    public void Slots_are_64_byte_aligned_disjoint_and_inside_the_slab(PacketSlabBacking backing)
    {
        var allocator = new FakeAllocator(backing);
        using var pool = new PacketPool(5, 100, 16, allocator);
        FakeSlab slab = allocator.Slabs.Single();
        Assert.Equal(backing, pool.Backing);
        Assert.Equal((nuint)(5 * 128), allocator.Requested);
        var rented = new List<PacketBuffer>();
        while (pool.TryRent(out PacketBuffer? b))
        {
            rented.Add(b);
        }
        Assert.Equal(5, rented.Count);
        var slots = rented.Select(b => (nuint)(b.Data - b.Headroom)).Order().ToList();
        Assert.All(slots, s => Assert.Equal(0u, s % 64));
        Assert.All(slots, s => Assert.InRange(s, (nuint)slab.Address, (nuint)slab.Address + slab.Length - 128));
        Assert.Equal(5, slots.Distinct().Count());
        foreach (PacketBuffer b in rented)
        {
            Assert.True(b.TrySetLength(b.Capacity));
            b.Span.Fill(0x5a);
            b.Free();
        }
        Assert.Equal(5, pool.Available);
    }

    [Theory]
    [InlineData(PacketSlabBacking.TransparentHugePages)]
    [InlineData(PacketSlabBacking.HugeTlb)]
    public void Double_free_and_wrong_pool_still_throw(PacketSlabBacking backing)
    {
        var allocator = new FakeAllocator(backing);
        using var a = new PacketPool(2, 256, 0, allocator);
        using var other = new PacketPool(2, 256, 0, allocator);
        Assert.True(a.TryRent(out PacketBuffer? b));
        Assert.Throws<InvalidOperationException>(() => other.Return(b));
        b.Free();
        Assert.Throws<InvalidOperationException>(() => b.Free());
    }

    [Fact]
    public void Dispose_releases_the_slab_once()
    {
        var allocator = new FakeAllocator(PacketSlabBacking.HugeTlb);
        var pool = new PacketPool(2, 256, 0, allocator);
        FakeSlab slab = allocator.Slabs.Single();
        Assert.False(pool.IsDisposed);
        pool.Dispose();
        pool.Dispose();
        Assert.True(pool.IsDisposed);
        Assert.Equal(1, slab.Releases);
    }

    [Fact]
    public void A_slab_too_small_is_refused_and_released()
    {
        var allocator = new FakeAllocator(PacketSlabBacking.TransparentHugePages) { ShortBy = 64 };
        Assert.Throws<InvalidOperationException>(() => new PacketPool(2, 256, 0, allocator));
        Assert.Equal(1, allocator.Slabs.Single().Releases);
    }

    private sealed class FakeAllocator(PacketSlabBacking backing) : PacketSlabAllocator
    {
        public List<FakeSlab> Slabs { get; } = [];

        public nuint Requested { get; private set; }

        public nuint ShortBy { get; init; }

        public override PacketSlab Allocate(nuint bytes, int slots, int slotSize)
        {
            Requested = bytes;
            var slab = new FakeSlab(bytes - ShortBy, backing);
            Slabs.Add(slab);
            return slab;
        }
    }

    private sealed class FakeSlab(nuint length, PacketSlabBacking backing)
        : PacketSlab((nint)NativeMemory.AlignedAlloc(length, 64), length, backing, length)
    {
        public int Releases { get; private set; }

        protected override void Release()
        {
            Releases++;
            NativeMemory.AlignedFree(Address);
        }
    }
}
