namespace VSwitch.TestKit.Virtio;

/// <summary>
/// Fds a test front-end can hand over in place of proper eventfds, and the knobs a hostile one turns on them: blocking
/// eventfds, eventfds with the counter at its maximum, pipes, sockets, files; O_NONBLOCK on the shared description.
/// The caller owns and closes what it gets (<see cref="Close"/>). Test code: throws on failure.
/// </summary>
public static unsafe class FakeFrontendFds
{
    /// <summary>The largest value an eventfd counter holds; one more write of 1 blocks (or fails with EAGAIN).</summary>
    public const ulong EventFdMax = 0xffff_ffff_ffff_fffe;

    /// <summary>A new eventfd with counter <paramref name="initial"/>; non-blocking as QEMU and DPDK make them, unless <paramref name="blocking"/>.</summary>
    public static int EventFd(bool blocking = false, ulong initial = 0)
    {
        int fd = MemfdNative.eventfd(0, MemfdNative.EFD_CLOEXEC | (blocking ? 0 : MemfdNative.EFD_NONBLOCK));
        if (fd < 0)
        {
            throw new IOException($"eventfd failed: errno {MemfdNative.Errno}");
        }
        if (initial != 0 && MemfdNative.write(fd, &initial, 8) != 8)
        {
            throw new IOException($"eventfd write failed: errno {MemfdNative.Errno}");
        }
        return fd;
    }

    /// <summary>A pipe: returns the write end in <paramref name="write"/> and the read end.</summary>
    public static int Pipe(out int write)
    {
        int* fds = stackalloc int[2];
        if (MemfdNative.pipe2(fds, MemfdNative.O_CLOEXEC) != 0)
        {
            throw new IOException($"pipe2 failed: errno {MemfdNative.Errno}");
        }
        write = fds[1];
        return fds[0];
    }

    /// <summary>One end of a new unix stream socket pair; the other end in <paramref name="peer"/>.</summary>
    public static int SocketPair(out int peer)
    {
        int* fds = stackalloc int[2];
        if (MemfdNative.socketpair(MemfdNative.AF_UNIX, MemfdNative.SOCK_STREAM | MemfdNative.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw new IOException($"socketpair failed: errno {MemfdNative.Errno}");
        }
        peer = fds[1];
        return fds[0];
    }

    /// <summary>Opens <paramref name="path"/> read-write (e.g. /dev/null).</summary>
    public static int Open(string path)
    {
        int fd = MemfdNative.open(path, MemfdNative.O_RDWR | MemfdNative.O_CLOEXEC, 0);
        return fd >= 0 ? fd : throw new IOException($"open {path} failed: errno {MemfdNative.Errno}");
    }

    /// <summary>A timerfd (another anonymous-inode fd that is not an eventfd).</summary>
    public static int TimerFd()
    {
        int fd = MemfdNative.timerfd_create(1 /* CLOCK_MONOTONIC */, MemfdNative.O_CLOEXEC);
        return fd >= 0 ? fd : throw new IOException($"timerfd_create failed: errno {MemfdNative.Errno}");
    }

    /// <summary>True when the open file description behind <paramref name="fd"/> has O_NONBLOCK.</summary>
    public static bool IsNonBlocking(int fd) => (MemfdNative.fcntl(fd, MemfdNative.F_GETFL, 0) & MemfdNative.O_NONBLOCK) != 0;

    /// <summary>Sets or clears O_NONBLOCK on the description (shared with every process holding a copy of the fd).</summary>
    public static void SetNonBlocking(int fd, bool nonBlocking)
    {
        int flags = MemfdNative.fcntl(fd, MemfdNative.F_GETFL, 0);
        int wanted = nonBlocking ? flags | MemfdNative.O_NONBLOCK : flags & ~MemfdNative.O_NONBLOCK;
        if (flags < 0 || MemfdNative.fcntl(fd, MemfdNative.F_SETFL, wanted) != 0)
        {
            throw new IOException($"fcntl failed: errno {MemfdNative.Errno}");
        }
    }

    /// <summary>Adds <paramref name="value"/> to an eventfd; false if it would block (non-blocking fd) or failed.</summary>
    public static bool Write(int fd, ulong value) => MemfdNative.write(fd, &value, 8) == 8;

    /// <summary>Reads an eventfd's counter (resetting it), or null if it would block or failed. Non-blocking fds only.</summary>
    public static ulong? Read(int fd)
    {
        ulong value;
        return MemfdNative.read(fd, &value, 8) == 8 ? value : null;
    }

    /// <summary>Closes <paramref name="fd"/> if it is valid.</summary>
    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = MemfdNative.close(fd);
        }
    }
}
