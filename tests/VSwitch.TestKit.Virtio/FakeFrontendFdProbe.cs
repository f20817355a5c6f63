namespace VSwitch.TestKit.Virtio;

/// <summary>
/// Proves that the back-end closed an fd it was sent: a pipe whose write end is sent (<see cref="Fd"/>), after which
/// this side closes its own copy. Once every copy of the write end is closed, the read end reports hang-up. Test code.
/// </summary>
public sealed unsafe class FakeFrontendFdProbe : IDisposable
{
    private int _read;

    /// <summary>Creates the pipe.</summary>
    public FakeFrontendFdProbe()
    {
        int* fds = stackalloc int[2];
        if (MemfdNative.pipe2(fds, 0x80000 /* O_CLOEXEC */) != 0)
        {
            throw new IOException($"pipe2 failed: errno {MemfdNative.Errno}");
        }
        _read = fds[0];
        Fd = fds[1];
    }

    /// <summary>The write end, to send to the back-end. Valid until <see cref="Release"/>.</summary>
    public int Fd { get; private set; }

    /// <summary>Closes this side's copy of the write end (call after sending it).</summary>
    public void Release()
    {
        if (Fd >= 0)
        {
            _ = MemfdNative.close(Fd);
            Fd = -1;
        }
    }

    /// <summary>True when no process holds the write end any more (the back-end closed what it received).</summary>
    public bool IsClosedEverywhere(TimeSpan timeout)
    {
        Release();
        short revents = MemfdNative.WaitReadable(_read, (int)timeout.TotalMilliseconds);
        return (revents & MemfdNative.POLLHUP) != 0;
    }

    /// <summary>Closes the read end.</summary>
    public void Dispose()
    {
        Release();
        if (_read >= 0)
        {
            _ = MemfdNative.close(_read);
            _read = -1;
        }
    }
}
