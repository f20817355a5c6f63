using System.Globalization;
using Xunit;

namespace VSwitch.Native.Tests;

/// <summary>
/// The fallback chain of <see cref="HugePageMemory"/>: hugetlb → transparent huge pages → nothing (the caller's heap),
/// each step forced to fail through the test seam. The mappings are small (one or two 2 MiB pages), so the machine's
/// reserved huge pages (which QEMU guests and DPDK tests need) are not exhausted.
/// </summary>
public sealed unsafe class HugePageMemoryTests
{
    private const int Page = HugePageMemory.HugePageSize;

    [Fact]
    public void Off_maps_nothing()
    {
        Assert.Null(HugePageMemory.TryMap(4096, HugePagePolicy.Off, out string? why));
        Assert.Contains("off", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Transparent_mapping_is_aligned_rounded_writable_and_backed_by_huge_pages()
    {
        Assert.True(ThpAvailable(), "this kernel has THP disabled (transparent_hugepage/enabled = never)");
        using HugePageMemory memory = HugePageMemory.TryMap(Page + 1, HugePagePolicy.TransparentHugePages, out string? why)
            ?? throw new InvalidOperationException(why);
        Assert.Equal(HugePageKind.TransparentHugePages, memory.Kind);
        Assert.Equal(0, memory.Address % Page);
        Assert.Equal((nuint)(2 * Page), memory.Length);
        new Span<byte>((void*)memory.Address, (int)memory.Length).Fill(0xa5);
        Assert.Equal(0xa5, ((byte*)memory.Address)[memory.Length - 1]);
        // The range was touched at mapping time after MADV_HUGEPAGE: the kernel gave it huge pages (the point of it).
        Assert.True(SmapsField(memory.Address, "AnonHugePages") > 0, "no anonymous huge page backs the mapping");
    }

    [Fact]
    public void Hugetlb_mapping_uses_reserved_pages_when_some_are_free()
    {
        long? free = HugePageMemory.FreeHugeTlbPages();
        Assert.True(free is not null, "the kernel reports no 2 MiB hugetlb pool");
        using HugePageMemory? memory = HugePageMemory.TryMap(Page, HugePagePolicy.HugeTlb, out string? why);
        Assert.NotNull(memory);
        Assert.Equal(0, memory.Address % Page);
        Assert.Equal((nuint)Page, memory.Length);
        ((byte*)memory.Address)[Page - 1] = 1;
        if (memory.Kind == HugePageKind.HugeTlb)
        {
            Assert.Null(why);
            Assert.Equal(2048, SmapsField(memory.Address, "KernelPageSize"));
        }
        else
        {
            // Another process took the last free page between the look and the mmap: the chain fell back, and says why.
            Assert.Contains("hugetlb: mmap", why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Hugetlb_failure_falls_back_to_transparent_huge_pages_and_says_why()
    {
        using HugePageMemory? memory = HugePageMemory.TryMap(Page, HugePagePolicy.HugeTlb, HugePageFaults.HugeTlb, out string? why);
        Assert.NotNull(memory);
        Assert.Equal(HugePageKind.TransparentHugePages, memory.Kind);
        Assert.Contains("hugetlb: forced failure", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_failures_leave_the_caller_on_the_heap_without_throwing()
    {
        HugePageMemory? memory = HugePageMemory.TryMap(Page, HugePagePolicy.HugeTlb,
            HugePageFaults.HugeTlb | HugePageFaults.TransparentHugePages, out string? why);
        Assert.Null(memory);
        Assert.Contains("hugetlb: forced failure", why, StringComparison.Ordinal);
        Assert.Contains("thp: forced failure", why, StringComparison.Ordinal);
        Assert.Null(HugePageMemory.TryMap(Page, HugePagePolicy.TransparentHugePages, HugePageFaults.TransparentHugePages, out _));
    }

    [Fact]
    public void Dispose_unmaps_once()
    {
        HugePageMemory memory = HugePageMemory.TryMap(Page, HugePagePolicy.TransparentHugePages, out string? why)
            ?? throw new InvalidOperationException(why);
        nint address = memory.Address;
        Assert.True(IsMapped(address));
        memory.Dispose();
        Assert.True(memory.IsDisposed);
        Assert.False(IsMapped(address));
        memory.Dispose();
    }

    private static bool ThpAvailable() => HugePageMemory.TransparentHugePageMode() is "always" or "madvise";

    /// <summary>True when a line of /proc/self/maps starts at <paramref name="address"/>.</summary>
    private static bool IsMapped(nint address)
    {
        string start = ((ulong)address).ToString("x", CultureInfo.InvariantCulture) + "-";
        return File.ReadLines("/proc/self/maps").Any(l => l.StartsWith(start, StringComparison.Ordinal));
    }

    /// <summary>A "Name: N kB" field of the /proc/self/smaps entry that starts at <paramref name="address"/>.</summary>
    private static long SmapsField(nint address, string name)
    {
        string start = ((ulong)address).ToString("x", CultureInfo.InvariantCulture) + "-";
        bool inEntry = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            bool header = space > 0 && line[space - 1] != ':';
            if (header)
            {
                inEntry = line.StartsWith(start, StringComparison.Ordinal);
                continue;
            }
            if (inEntry && line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no {name} for the mapping at 0x{address:x} in /proc/self/smaps");
    }
}
