namespace VSwitch.TestKit.Virtio;

/// <summary>
/// Shareable guest RAM for a test front-end, as QEMU's <c>memory-backend-memfd,share=on</c>: a memfd of a given size,
/// mapped shared into this process. The fd is what goes to the back-end in SET_MEM_TABLE / ADD_MEM_REG; the back-end
/// maps the same pages again, so both sides see every write. Test code: throws on failure. Not thread-safe.
/// </summary>
public sealed unsafe class Memfd : IDisposable
{
    private nint _host;

    /// <summary>Creates a memfd of <paramref name="size"/> bytes (sparse until touched) and maps it.</summary>
    public Memfd(long size, string name = "vswitch-test-guest")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Fd = MemfdNative.memfd_create(name, MemfdNative.MFD_CLOEXEC);
        if (Fd < 0)
        {
            throw new IOException($"memfd_create failed: errno {MemfdNative.Errno}");
        }
        if (MemfdNative.ftruncate(Fd, size) != 0)
        {
            int errno = MemfdNative.Errno;
            _ = MemfdNative.close(Fd);
            throw new IOException($"ftruncate failed: errno {errno}");
        }
        _host = MemfdNative.mmap(0, (nuint)size, MemfdNative.PROT_READ | MemfdNative.PROT_WRITE, MemfdNative.MAP_SHARED, Fd, 0);
        if (_host == -1)
        {
            int errno = MemfdNative.Errno;
            _ = MemfdNative.close(Fd);
            throw new IOException($"mmap failed: errno {errno}");
        }
        Size = size;
    }

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
