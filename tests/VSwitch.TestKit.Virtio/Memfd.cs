namespace VSwitch.TestKit.Virtio;

/// <summary>
/// Shareable guest RAM for a test front-end, as QEMU's <c>memory-backend-memfd,share=on</c>: a memfd of a given size,
/// mapped shared into this process. The fd is what goes to the back-end in SET_MEM_TABLE / ADD_MEM_REG; the back-end
/// maps the same pages again, so both sides see every write. <see cref="OnFileSystem"/> gives a file on tmpfs or
/// hugetlbfs instead (DPDK's rtemap files, QEMU's memory-backend-file), and <see cref="Truncate"/> lets a hostile test
/// shrink the file under the back-end. Test code: throws on failure. Not thread-safe.
/// </summary>
public sealed unsafe class Memfd : IDisposable
{
    private nint _host;

    /// <summary>
    /// Creates a memfd of <paramref name="size"/> bytes (sparse until touched) and maps it. With
    /// <paramref name="sealLikeQemu"/> it is sealed against growing and shrinking, and against further seals, as QEMU's
    /// memory-backend-memfd does by default (seal=on).
    /// </summary>
    public Memfd(long size, string name = "vswitch-test-guest", bool sealLikeQemu = false)
        : this(Create(size, name, sealLikeQemu), size)
    {
    }

    private Memfd(int fd, long size)
    {
        Fd = fd;
        _host = MemfdNative.mmap(0, (nuint)size, MemfdNative.PROT_READ | MemfdNative.PROT_WRITE, MemfdNative.MAP_SHARED, Fd, 0);
        if (_host == -1)
        {
            int errno = MemfdNative.Errno;
            _ = MemfdNative.close(Fd);
            throw new IOException($"mmap failed: errno {errno}");
        }
        Size = size;
    }

    /// <summary>
    /// A file of <paramref name="size"/> bytes in <paramref name="directory"/> (e.g. /dev/shm for tmpfs, /dev/hugepages
    /// for hugetlbfs, where the size must be a multiple of the huge page size), unlinked at once and mapped shared. Such
    /// files cannot be sealed.
    /// </summary>
    public static Memfd OnFileSystem(string directory, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        string path = Path.Combine(directory, $"vswitch-test-guest-{Environment.ProcessId}-{Guid.NewGuid():N}");
        int fd = MemfdNative.open(path, MemfdNative.O_RDWR | MemfdNative.O_CREAT | MemfdNative.O_EXCL | MemfdNative.O_CLOEXEC, 0x180);
        if (fd < 0)
        {
            throw new IOException($"open {path} failed: errno {MemfdNative.Errno}");
        }
        _ = MemfdNative.unlink(path);
        if (MemfdNative.ftruncate(fd, size) != 0)
        {
            int errno = MemfdNative.Errno;
            _ = MemfdNative.close(fd);
            throw new IOException($"ftruncate of {path} failed: errno {errno}");
        }
        return new Memfd(fd, size);
    }

    /// <summary>
    /// Shrinks (or grows) the file to <paramref name="size"/> bytes, as a hostile front-end would after SET_MEM_TABLE.
    /// Pages past the new end are gone for every mapping, this process's too: touch them and this process gets SIGBUS.
    /// Returns false (errno in <see cref="MemfdNative.Errno"/>) when the file refuses, e.g. a sealed memfd.
    /// </summary>
    public bool Truncate(long size) => MemfdNative.ftruncate(Fd, size) == 0;

    /// <summary>The memfd (owned by this object; the back-end gets its own copy through SCM_RIGHTS).</summary>
    public int Fd { get; private set; }

    /// <summary>Bytes.</summary>
    public long Size { get; }

    /// <summary>Where this process sees the memory; also the "user address" a front-end reports for it.</summary>
    public nint HostAddress => _host;

    /// <summary>The bytes at <paramref name="offset"/>.</summary>
    public Span<byte> Span(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }
        // SAFETY: [offset, offset + length) was checked to lie inside the mapping, which lives until Dispose.
        return new Span<byte>((byte*)_host + offset, length);
    }

    private static int Create(long size, string name, bool seal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int fd = MemfdNative.memfd_create(name, (uint)(MemfdNative.MFD_CLOEXEC | (seal ? MemfdNative.MFD_ALLOW_SEALING : 0)));
        if (fd < 0)
        {
            throw new IOException($"memfd_create failed: errno {MemfdNative.Errno}");
        }
        if (MemfdNative.ftruncate(fd, size) != 0
            || (seal && MemfdNative.fcntl(fd, MemfdNative.F_ADD_SEALS, MemfdNative.F_SEAL_SEAL | MemfdNative.F_SEAL_SHRINK | MemfdNative.F_SEAL_GROW) != 0))
        {
            int errno = MemfdNative.Errno;
            _ = MemfdNative.close(fd);
            throw new IOException($"sizing or sealing the memfd failed: errno {errno}");
        }
        return fd;
    }

    /// <summary>Unmaps and closes.</summary>
    public void Dispose()
    {
        if (_host != 0)
        {
            _ = MemfdNative.munmap(_host, (nuint)Size);
            _host = 0;
        }
        if (Fd >= 0)
        {
            _ = MemfdNative.close(Fd);
            Fd = -1;
        }
    }
}
