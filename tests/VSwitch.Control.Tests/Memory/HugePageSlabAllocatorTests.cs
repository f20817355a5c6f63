using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Memory;
using VSwitch.Core.Packets;
using VSwitch.Native;
using Xunit;

namespace VSwitch.Control.Tests.Memory;

/// <summary>
/// Packet pools on real memory of each backing: the allocator's policy, its fallbacks and the unmapping on Dispose.
/// Each mapping is one or two 2 MiB pages, so the machine's reserved huge pages are not exhausted.
/// </summary>
public sealed class HugePageSlabAllocatorTests
{
    private const int Page = HugePageMemory.HugePageSize;

    [Fact]
    public void Off_keeps_pools_on_the_heap()
    {
        using var pool = new PacketPool(1024, 2048 - 128, 128, new HugePageSlabAllocator(HugePagePolicy.Off, NullLogger.Instance));
        Assert.Equal(PacketSlabBacking.Heap, pool.Backing);
        RentFillReturn(pool);
    }

    [Fact]
    public void Pools_under_one_huge_page_stay_on_the_heap()
    {
        using var pool = new PacketPool(64, PacketPool.DefaultDataRoom, PacketPool.DefaultHeadroom,
            new HugePageSlabAllocator(HugePagePolicy.HugeTlb, NullLogger.Instance));
        Assert.Equal(PacketSlabBacking.Heap, pool.Backing);
    }

    [Fact]
    public void Thp_pool_is_2_MiB_aligned_usable_and_unmapped_on_dispose()
    {
        Assert.True(HugePageMemory.TransparentHugePageMode() is "always" or "madvise", "transparent huge pages are disabled here");
        var pool = new PacketPool(223, PacketPool.DefaultDataRoom, PacketPool.DefaultHeadroom,
            new HugePageSlabAllocator(HugePagePolicy.TransparentHugePages, NullLogger.Instance));
        Assert.Equal(PacketSlabBacking.TransparentHugePages, pool.Backing);
        Assert.Equal(0, pool.SlabAddress % Page);
        Assert.Equal((nuint)(2 * Page), pool.SlabBytes);
        RentFillReturn(pool);
        Assert.True(IsMapped(pool.SlabAddress));
        pool.Dispose();
        Assert.False(IsMapped(pool.SlabAddress));
    }

    [Fact]
    public void Hugetlb_pool_takes_reserved_pages_or_falls_back_to_thp()
    {
        var pool = new PacketPool(1024, 2048 - 128, 128, new HugePageSlabAllocator(HugePagePolicy.HugeTlb, NullLogger.Instance));
        Assert.NotEqual(PacketSlabBacking.Heap, pool.Backing);
        Assert.Equal((nuint)Page, pool.SlabBytes);
        Assert.Equal(0, pool.SlabAddress % Page);
        RentFillReturn(pool);
        pool.Dispose();
        Assert.False(IsMapped(pool.SlabAddress));
    }

    [Theory]
    [InlineData(PacketSlabBacking.HugeTlb, "hugetlb")]
    [InlineData(PacketSlabBacking.TransparentHugePages, "thp")]
    [InlineData(PacketSlabBacking.Heap, "heap")]
    public void Backings_have_the_names_users_read(PacketSlabBacking backing, string name) =>
        Assert.Equal(name, HugePageSlabAllocator.Describe(backing));

    private static void RentFillReturn(PacketPool pool)
    {
        var rented = new List<PacketBuffer>();
        while (pool.TryRent(out PacketBuffer? b))
        {
            Assert.True(b.TrySetLength(b.Capacity));
            b.Span.Fill(0x3c);
            rented.Add(b);
        }
        Assert.Equal(pool.Count, rented.Count);
        foreach (PacketBuffer b in rented)
        {
            Assert.Equal(0x3c, b.Span[^1]);
            b.Free();
        }
        Assert.Equal(pool.Count, pool.Available);
    }

    private static bool IsMapped(nint address)
    {
        string start = ((ulong)address).ToString("x", CultureInfo.InvariantCulture) + "-";
        return File.ReadLines("/proc/self/maps").Any(l => l.StartsWith(start, StringComparison.Ordinal));
    }
}
