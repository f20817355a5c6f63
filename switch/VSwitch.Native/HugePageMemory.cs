namespace VSwitch.Native;

/// <summary>Which huge pages <see cref="HugePageMemory.TryMap(nuint, HugePagePolicy, out string?)"/> tries, best first.</summary>
public enum HugePagePolicy
{
    /// <summary>No mapping: the caller keeps its heap memory.</summary>
    Off,

    /// <summary>An anonymous mapping aligned to 2 MiB with MADV_HUGEPAGE (needs THP "always" or "madvise").</summary>
    TransparentHugePages,

    /// <summary>MAP_HUGETLB 2 MiB pages from the reserved pool, then transparent huge pages when none are free.</summary>
    HugeTlb,
}

/// <summary>What a <see cref="HugePageMemory"/> got.</summary>
public enum HugePageKind
{
    /// <summary>Reserved 2 MiB hugetlb pages (MAP_HUGETLB).</summary>
    HugeTlb,

    /// <summary>A 2 MiB-aligned anonymous mapping advised MADV_HUGEPAGE; the kernel backs it with huge pages when it can.</summary>
    TransparentHugePages,
}

/// <summary>Failures forced by tests, to walk the fallback chain on a machine where every step would succeed.</summary>
[Flags]
internal enum HugePageFaults
{
    None = 0,
    HugeTlb = 1,
    TransparentHugePages = 2,
}

/// <summary>
/// Private anonymous memory in 2 MiB pages for packet buffers, so that a burst of buffers costs a few TLB entries
/// instead of one per 4 KiB. <see cref="TryMap(nuint, HugePagePolicy, out string?)"/> walks a fallback chain: MAP_HUGETLB (reserved pages; fails with
/// ENOMEM when none are free), then a 2 MiB-aligned mapping with MADV_HUGEPAGE, then nothing (the caller uses the
/// heap). The memory is touched once here, so no datapath thread takes its page faults. Control side only (it
/// allocates, reads sysfs and may take milliseconds); the mapping is released by <see cref="Dispose"/> or, as a last
/// resort, by the finalizer.
/// </summary>
public sealed unsafe class HugePageMemory : IDisposable
{
    /// <summary>The huge page size mappings are rounded and aligned to.</summary>
    public const int HugePageSize = 2 * 1024 * 1024;

    private const string ThpEnabledPath = "/sys/kernel/mm/transparent_hugepage/enabled";

    private const string FreeHugePagesPath = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";

    private nint _address;

    private HugePageMemory(nint address, nuint length, HugePageKind kind)
    {
        _address = address;
        Address = address;
        Length = length;
        Kind = kind;
    }

    /// <summary>~HugePageMemory: unmaps a mapping nobody disposed (its owner became unreachable).</summary>
    ~HugePageMemory()
    {
        Unmap();
    }

    /// <summary>Start of the mapping (2 MiB aligned).</summary>
    public nint Address { get; }

    /// <summary>Bytes mapped: the request rounded up to whole 2 MiB pages.</summary>
    public nuint Length { get; }

    /// <summary>Which kind of huge pages the mapping got.</summary>
    public HugePageKind Kind { get; }

    /// <summary>True once the mapping was released.</summary>
    public bool IsDisposed => Volatile.Read(ref _address) == 0;

    /// <summary>
    /// Maps at least <paramref name="bytes"/> bytes as <paramref name="policy"/> allows; null when no step of the chain
    /// worked (or the policy is Off), with <paramref name="why"/> naming each failed step for a log line. Never throws
    /// for lack of huge pages.
    /// </summary>
    public static HugePageMemory? TryMap(nuint bytes, HugePagePolicy policy, out string? why) =>
        TryMap(bytes, policy, HugePageFaults.None, out why);

    /// <summary><see cref="TryMap(nuint, HugePagePolicy, out string?)"/> with steps forced to fail (tests).</summary>
    internal static HugePageMemory? TryMap(nuint bytes, HugePagePolicy policy, HugePageFaults faults, out string? why)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bytes);
        why = null;
        if (policy == HugePagePolicy.Off)
        {
            why = "huge pages are off";
            return null;
        }
        nuint length = RoundUp(bytes);
        if (policy == HugePagePolicy.HugeTlb)
        {
            HugePageMemory? huge = TryMapHugeTlb(length, faults, out string? hugeWhy);
            if (huge is not null)
            {
                return huge;
            }
            why = hugeWhy;
        }
        HugePageMemory? thp = TryMapTransparent(length, faults, out string? thpWhy);
        if (thp is not null)
        {
            return thp;
        }
        why = why is null ? thpWhy : why + "; " + thpWhy;
        return null;
    }

    /// <summary>The THP mode of the kernel ("always", "madvise" or "never"), or null when the kernel has no THP.</summary>
    public static string? TransparentHugePageMode()
    {
        try
        {
            string text = File.ReadAllText(ThpEnabledPath);
            int open = text.IndexOf('[', StringComparison.Ordinal);
            int close = text.IndexOf(']', StringComparison.Ordinal);
            return open >= 0 && close > open ? text[(open + 1)..close] : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Free 2 MiB hugetlb pages of the machine right now, or null when the kernel does not say.</summary>
    public static long? FreeHugeTlbPages()
    {
        try
        {
            return long.TryParse(File.ReadAllText(FreeHugePagesPath).Trim(), out long free) ? free : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Unmaps the memory (once). Nothing may use it afterwards.</summary>
    public void Dispose()
    {
        Unmap();
        GC.SuppressFinalize(this);
    }

    private void Unmap()
    {
        nint address = Interlocked.Exchange(ref _address, 0);
        if (address != 0)
        {
            // SAFETY: address/Length are exactly the range this object mapped, and the exchange makes this run once.
            _ = Libc.munmap(address, Length);
        }
    }

    private static nuint RoundUp(nuint bytes) => (bytes + HugePageSize - 1) & ~(nuint)(HugePageSize - 1);

    private static HugePageMemory? TryMapHugeTlb(nuint length, HugePageFaults faults, out string? why)
    {
        if ((faults & HugePageFaults.HugeTlb) != 0)
        {
            why = "hugetlb: forced failure";
            return null;
        }
        // MAP_POPULATE faults every page in now; without free reserved pages the mmap itself fails (ENOMEM).
        nint address = Libc.mmap(0, length, Libc.PROT_READ | Libc.PROT_WRITE,
            Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_HUGETLB | Libc.MAP_HUGE_2MB | Libc.MAP_POPULATE, -1, 0);
        if (address == Libc.MapFailed)
        {
            int errno = Libc.Errno;
            why = $"hugetlb: mmap of {length >> 20} MiB failed: {Libc.Describe(errno)} (errno {errno})";
            return null;
        }
        why = null;
        return new HugePageMemory(address, length, HugePageKind.HugeTlb);
    }

    private static HugePageMemory? TryMapTransparent(nuint length, HugePageFaults faults, out string? why)
    {
        string? mode = TransparentHugePageMode();
        if ((faults & HugePageFaults.TransparentHugePages) != 0)
        {
            why = "thp: forced failure";
            return null;
        }
        if (mode is null or "never")
        {
            why = mode is null ? "thp: the kernel has no transparent huge pages" : "thp: disabled (transparent_hugepage/enabled is never)";
            return null;
        }
        // Map one page more than needed, then cut the unaligned head and the tail, so the range starts on 2 MiB.
        nuint over = length + HugePageSize;
        nint raw = Libc.mmap(0, over, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (raw == Libc.MapFailed)
        {
            int errno = Libc.Errno;
            why = $"thp: mmap of {over >> 20} MiB failed: {Libc.Describe(errno)} (errno {errno})";
            return null;
        }
        nint aligned = (nint)(((nuint)raw + HugePageSize - 1) & ~(nuint)(HugePageSize - 1));
        nuint head = (nuint)(aligned - raw);
        nuint tail = over - head - length;
        // SAFETY: head and tail lie inside [raw, raw + over), the mapping made just above, outside [aligned, aligned + length).
        if (head != 0)
        {
            _ = Libc.munmap(raw, head);
        }
        if (tail != 0)
        {
            _ = Libc.munmap(aligned + (nint)length, tail);
        }
        if (Libc.madvise(aligned, length, Libc.MADV_HUGEPAGE) != 0)
        {
            int errno = Libc.Errno;
            _ = Libc.munmap(aligned, length);
            why = $"thp: madvise(MADV_HUGEPAGE) failed: {Libc.Describe(errno)} (errno {errno})";
            return null;
        }
        // Fault the range in now (a write per 4 KiB page), on this thread rather than a datapath thread's first burst.
        // SAFETY: [aligned, aligned + length) is mapped readable and writable and nobody else uses it yet.
        byte* p = (byte*)aligned;
        for (nuint offset = 0; offset < length; offset += 4096)
        {
            p[offset] = 0;
        }
        why = null;
        return new HugePageMemory(aligned, length, HugePageKind.TransparentHugePages);
    }
}
