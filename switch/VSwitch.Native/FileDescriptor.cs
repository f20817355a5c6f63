namespace VSwitch.Native;

/// <summary>
/// Small operations on file descriptors held as plain ints (-1 meaning none), as the ports and sessions keep them.
/// Stateless; any thread; nothing allocates or throws.
/// </summary>
public static unsafe class FileDescriptor
{
    /// <summary>Closes <paramref name="fd"/> if it is valid (≥ 0). The result is ignored: close(2) releases the fd even when it reports an error.</summary>
    public static void CloseIfValid(int fd)
    {
        if (fd >= 0)
        {
            _ = Libc.close(fd);
        }
    }

    /// <summary>
    /// True when <paramref name="fd"/> has input now: one poll(2) that does not wait. False for -1 and on any error.
    /// Any thread; no allocation.
    /// </summary>
    public static bool IsReadable(int fd)
    {
        var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        // SAFETY: pfd lives on this stack frame for the call.
        return fd >= 0 && Libc.poll(&pfd, 1, 0) > 0 && (pfd.Revents & Libc.POLLIN) != 0;
    }

    /// <summary>
    /// Size and preferred I/O block size of the file behind <paramref name="fd"/> (for hugetlbfs the block size is the
    /// huge page size, to which a mapping's length must be rounded). False if fstat fails.
    /// </summary>
    public static bool TryGetFileSize(int fd, out long size, out long blockSize)
    {
        byte* buffer = stackalloc byte[Libc.StatSize];
        // SAFETY: buffer is StatSize bytes on this stack frame, enough for struct stat on x86-64 and arm64; the two
        // reads below stay inside it (offsets 48 and 56, 8 and 4 bytes).
        if (Libc.fstat(fd, buffer) != 0)
        {
            size = 0;
            blockSize = 0;
            return false;
        }
        size = *(long*)(buffer + Libc.StatSizeOffset);
        blockSize = *(int*)(buffer + Libc.StatBlockSizeOffset);
        return true;
    }

    /// <summary>
    /// True when a write to <paramref name="fd"/> would block now (for an eventfd: its counter is at its maximum). One
    /// poll(2) that does not wait; false on error. Any thread; no allocation.
    /// </summary>
    public static bool IsWriteBlocked(int fd)
    {
        var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLOUT };
        // SAFETY: pfd lives on this stack frame for the call.
        int ready = Libc.poll(&pfd, 1, 0);
        return ready == 0 || (ready == 1 && (pfd.Revents & Libc.POLLOUT) == 0);
    }

    /// <summary>
    /// What <paramref name="fd"/> is, as the kernel names it in <c>/proc/self/fd</c>: "anon_inode:[eventfd]" for an
    /// eventfd, "pipe:[ino]", "socket:[ino]", a path for a file ("/memfd:name (deleted)" for a memfd). Null if it cannot
    /// be read (no /proc, fd closed). Control side: allocates the string.
    /// </summary>
    public static string? Target(int fd)
    {
        byte* path = stackalloc byte[32];
        byte* target = stackalloc byte[256];
        string name = "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        int length = System.Text.Encoding.ASCII.GetBytes(name, new Span<byte>(path, 31));
        path[length] = 0;
        // SAFETY: path is NUL-terminated inside its 32 bytes; the kernel writes at most 256 bytes to target.
        nint n = Libc.readlink(path, target, 256);
        return n < 0 ? null : System.Text.Encoding.UTF8.GetString(target, (int)Math.Min(n, 256));
    }
}
