namespace VSwitch.Native;

/// <summary>
/// epoll, for the two things the switch does with it: an epoll fd that stands for another fd's readability (a wake
/// fd a port can hand out without handing out its data fd), and a set of fds a thread sleeps on.
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
}
