namespace VSwitch.Native;

/// <summary>
/// epoll, for the two things the switch does with it: an epoll fd that stands for another fd's readability (a wake
/// fd a port can hand out without handing out its data fd), and a set of fds a thread sleeps on (the idle datapath
/// thread's wake fds). Stateless; epoll fds are plain ints the caller owns.
/// </summary>
public static unsafe class Epoll
{
    /// <summary>
    /// A new epoll fd (close-on-exec) watching <paramref name="fd"/> for input, or -1 (errno in <see cref="Libc.Errno"/>).
    /// It polls readable exactly while <paramref name="fd"/> does; reading it fails with EINVAL and consumes nothing.
    /// The caller owns it and closes it with <see cref="FileDescriptor.CloseIfValid"/>. Control side; one fd per call.
    /// </summary>
    public static int WatchReadable(int fd)
    {
        if (fd < 0)
        {
            return -1;
        }
        int epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (epoll < 0)
        {
            return -1;
        }
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = 0 };
        // SAFETY: ev lives on this stack frame for the call.
        if (Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, fd, &ev) < 0)
        {
            _ = Libc.close(epoll);
            return -1;
        }
        return epoll;
    }

    /// <summary>A new, empty epoll fd (close-on-exec) for a set of fds to wait on, or -1. The caller closes it.</summary>
    public static int Create() => Libc.epoll_create1(Libc.EPOLL_CLOEXEC);

    /// <summary>
    /// Adds <paramref name="fd"/> to the set <paramref name="epoll"/>, level-triggered, for input. False if it cannot be
    /// added (it was closed, or is in the set already). No allocation.
    /// </summary>
    public static bool TryAddReadable(int epoll, int fd)
    {
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = 0 };
        // SAFETY: ev lives on this stack frame for the call.
        return Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, fd, &ev) == 0;
    }

    /// <summary>
    /// Removes <paramref name="fd"/> from the set <paramref name="epoll"/>. False when it could not: the fd number was
    /// closed (EBADF) or now names another file (ENOENT). Then the file it named may still be registered, because epoll
    /// drops a registration only when the last fd of the file is closed, and a front-end keeps its own copy of every
    /// eventfd it shares: such a set must be closed and made anew, or the stale file keeps waking it. No allocation.
    /// </summary>
    public static bool Remove(int epoll, int fd)
    {
        var ev = default(Libc.EpollEvent);
        // SAFETY: ev lives on this stack frame for the call (the kernel ignores it for EPOLL_CTL_DEL).
        return Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_DEL, fd, &ev) == 0;
    }

    /// <summary>
    /// Blocks until some fd of the set <paramref name="epoll"/> polls readable or <paramref name="timeoutMs"/> passes.
    /// Returns 1 when one did, 0 on timeout, -1 on error or a signal. Which fd it was is not reported: the fds are
    /// level-triggered, so the caller polls its sources again anyway. No allocation.
    /// </summary>
    public static int Wait(int epoll, int timeoutMs)
    {
        Libc.EpollEvent ev;
        // SAFETY: ev lives on this stack frame for the call, room for the one event asked for.
        return Libc.epoll_wait(epoll, &ev, 1, timeoutMs);
    }
}
