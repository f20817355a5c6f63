namespace VSwitch.TestKit.Virtio;

/// <summary>
/// Proves that the back-end closed an fd it was sent. The default probe is a pipe whose write end is sent
/// (<see cref="Fd"/>): once every copy of the write end is closed, the read end reports hang-up. <see cref="EventFd"/>
/// gives an eventfd instead (ring kick/call/err fds must be eventfds): it is watched by an epoll instance, whose entry
/// disappears from <c>/proc/self/fdinfo</c> only when the last copy of the eventfd is closed. Test code.
/// </summary>
public sealed unsafe class FakeFrontendFdProbe : IDisposable
{
    private int _read = -1;
    private int _epoll = -1;

    /// <summary>Creates the pipe.</summary>
    public FakeFrontendFdProbe()
    {
        int* fds = stackalloc int[2];
        if (MemfdNative.pipe2(fds, MemfdNative.O_CLOEXEC) != 0)
        {
            throw new IOException($"pipe2 failed: errno {MemfdNative.Errno}");
        }
        _read = fds[0];
        Fd = fds[1];
    }

    private FakeFrontendFdProbe(int eventFd, int epoll)
    {
        Fd = eventFd;
        _epoll = epoll;
    }

    /// <summary>The fd to send to the back-end. Valid until <see cref="Release"/>.</summary>
    public int Fd { get; private set; }

    /// <summary>A probe whose <see cref="Fd"/> is a (non-blocking) eventfd.</summary>
    public static FakeFrontendFdProbe EventFd()
    {
        int fd = FakeFrontendFds.EventFd();
        int epoll = MemfdNative.epoll_create1(MemfdNative.O_CLOEXEC);
        MemfdNative.EpollEvent ev = new() { Events = 1 /* EPOLLIN */ };
        if (epoll < 0 || MemfdNative.epoll_ctl(epoll, 1 /* EPOLL_CTL_ADD */, fd, &ev) != 0)
        {
            throw new IOException($"epoll failed: errno {MemfdNative.Errno}");
        }
        return new FakeFrontendFdProbe(fd, epoll);
    }

    /// <summary>Closes this side's copy of <see cref="Fd"/> (call after sending it).</summary>
    public void Release()
    {
        if (Fd >= 0)
        {
            _ = MemfdNative.close(Fd);
            Fd = -1;
        }
    }

    /// <summary>True when no process holds <see cref="Fd"/> any more (the back-end closed what it received).</summary>
    public bool IsClosedEverywhere(TimeSpan timeout)
    {
        Release();
        if (_epoll < 0)
        {
            short revents = MemfdNative.WaitReadable(_read, (int)timeout.TotalMilliseconds);
            return (revents & MemfdNative.POLLHUP) != 0;
        }
        // An epoll entry goes away when its open file description is released, i.e. when its last fd is closed.
        var deadline = DateTime.UtcNow + timeout;
        string info = $"/proc/self/fdinfo/{_epoll}";
        while (File.ReadAllText(info).Contains("tfd:", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>Closes the read end or the epoll instance.</summary>
    public void Dispose()
    {
        Release();
        if (_read >= 0)
        {
            _ = MemfdNative.close(_read);
            _read = -1;
        }
        if (_epoll >= 0)
        {
            _ = MemfdNative.close(_epoll);
            _epoll = -1;
        }
    }
}
