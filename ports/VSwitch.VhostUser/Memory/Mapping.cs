using VSwitch.Native;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// One shared mapping of a front-end fd (a guest memory region or the dirty log). Owned by the session thread, which
/// unmaps it only after every ring that could use it has passed a quiescent point. Dispose is idempotent.
/// </summary>
internal sealed class Mapping : IDisposable
{
    private nint _base;

    public Mapping(nint baseAddress, nuint length)
    {
        _base = baseAddress;
        Length = length;
    }

    /// <summary>Start of the mapping (0 once disposed).</summary>
    public nint Base => _base;

    /// <summary>Bytes mapped.</summary>
    public nuint Length { get; }

    /// <summary>
    /// Maps at least <paramref name="needed"/> bytes of <paramref name="fd"/> from file offset 0, shared and read-write, after
    /// checking that the file really holds <paramref name="needed"/> bytes (touching a page past the end of a file
    /// raises SIGBUS, which would take the whole switch down). The length is rounded up to the file's block size
    /// (the huge page size on hugetlbfs, where mappings must be whole pages). Returns null on failure.
    /// </summary>
    public static Mapping? TryMap(int fd, ulong needed)
    {
        if (needed == 0 || needed > long.MaxValue || !FileDescriptor.TryGetFileSize(fd, out long fileSize, out long blockSize))
        {
            return null;
        }
        if ((ulong)fileSize < needed)
        {
            return null;
        }
        ulong align = blockSize > 0 && (blockSize & (blockSize - 1)) == 0 ? (ulong)blockSize : 4096UL;
        ulong length = (needed + align - 1) & ~(align - 1);
        if (length < needed)
        {
            return null;
        }
        nint p = Libc.mmap(0, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        return p == Libc.MapFailed ? null : new Mapping(p, (nuint)length);
    }

    /// <summary>Unmaps. Only the session calls this, after quiescence.</summary>
    public void Dispose()
    {
        nint p = _base;
        if (p != 0)
        {
            _base = 0;
            _ = Libc.munmap(p, Length);
        }
    }
}
