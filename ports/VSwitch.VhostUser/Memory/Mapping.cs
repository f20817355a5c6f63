using VSwitch.Native;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// One shared mapping of a front-end fd (a guest memory region or the dirty log), registered with
/// <see cref="GuestFaultGuard"/> for as long as it is mapped, so that the front-end shrinking the file costs the port
/// its session and nothing else. Owned by the session thread, which unmaps it only after every ring that could use it
/// has passed a quiescent point. Dispose is idempotent: unregister, then unmap.
/// </summary>
internal sealed class Mapping : IDisposable
{
    private readonly GuestFaultFlag _flag;
    private nint _base;
    private int _slot;

    private Mapping(nint baseAddress, nuint length, GuestFaultFlag flag, int slot, int cookie, MappingBacking backing)
    {
        _base = baseAddress;
        Length = length;
        _flag = flag;
        _slot = slot;
        Cookie = cookie;
        Backing = backing;
    }

    /// <summary>Start of the mapping (0 once disposed).</summary>
    public nint Base => _base;

    /// <summary>Bytes mapped.</summary>
    public nuint Length { get; }

    /// <summary>What <see cref="GuestFaultFlag"/> reads after a fault in this mapping.</summary>
    public int Cookie { get; }

    /// <summary>The kind of file behind the mapping and its seals.</summary>
    public MappingBacking Backing { get; }

    /// <summary>
    /// Maps at least <paramref name="needed"/> bytes of <paramref name="fd"/> from file offset 0, shared and read-write, after
    /// checking that the file really holds <paramref name="needed"/> bytes (touching a page past the end of a file
    /// raises SIGBUS). The length is rounded up to the file's block size (the huge page size on hugetlbfs, where
    /// mappings must be whole pages, so a contained fault replaces whole huge pages). The mapping is registered with
    /// the guard under <paramref name="cookie"/> for <paramref name="flag"/>. Returns null with
    /// <paramref name="problem"/> set on failure.
    /// </summary>
    public static Mapping? TryMap(int fd, ulong needed, GuestFaultFlag flag, int cookie, out string? problem)
    {
        if (needed == 0 || needed > long.MaxValue)
        {
            problem = $"a mapping of {needed} bytes";
            return null;
        }
        if (!FileDescriptor.TryGetFileSize(fd, out long fileSize, out long blockSize))
        {
            problem = $"fstat of the fd failed (errno {Libc.Errno})";
            return null;
        }
        if ((ulong)fileSize < needed)
        {
            problem = $"the file holds {fileSize} bytes, the mapping needs {needed}";
            return null;
        }
        ulong align = blockSize > 0 && (blockSize & (blockSize - 1)) == 0 ? (ulong)blockSize : 4096UL;
        ulong length = (needed + align - 1) & ~(align - 1);
        if (length < needed)
        {
            problem = $"a mapping of {needed} bytes";
            return null;
        }
        nint p = Libc.mmap(0, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (p == Libc.MapFailed)
        {
            problem = $"mmap of {length} bytes failed (errno {Libc.Errno})";
            return null;
        }
        int slot = GuestFaultGuard.Register(p, (nuint)length, flag, cookie, out problem);
        if (slot < 0)
        {
            _ = Libc.munmap(p, (nuint)length);
            return null;
        }
        return new Mapping(p, (nuint)length, flag, slot, cookie, MappingBacking.Of(fd));
    }

    /// <summary>Unregisters and unmaps. Only the session calls this, after quiescence.</summary>
    public void Dispose()
    {
        nint p = _base;
        if (p != 0)
        {
            _base = 0;
            // Unregister first: once the guard forgets the range, no signal handler can map over it, and only then
            // may the address space be given back (and reused by anything else).
            GuestFaultGuard.Unregister(_slot, _flag);
            _slot = -1;
            _ = Libc.munmap(p, Length);
        }
    }
}
