namespace VSwitch.TestKit.Virtio;

/// <summary>
/// The front-end as the listening side (QEMU with <c>server=on</c>), for client-mode back-ends: binds a unix socket and
/// accepts the back-end's connections. Test code.
/// </summary>
public sealed unsafe class FakeFrontendListener : IDisposable
{
    private int _fd;

    /// <summary>Listens at <paramref name="path"/> (replacing a stale file).</summary>
    public FakeFrontendListener(string path)
    {
        Path = path;
        File.Delete(path);
        _fd = MemfdNative.socket(MemfdNative.AF_UNIX, MemfdNative.SOCK_STREAM | MemfdNative.SOCK_CLOEXEC, 0);
        Span<byte> address = stackalloc byte[110];
        uint length = MemfdNative.MakeAddress(path, address);
        fixed (byte* a = address)
        {
            if (_fd < 0 || MemfdNative.bind(_fd, a, length) != 0 || MemfdNative.listen(_fd, 4) != 0)
            {
                throw new IOException($"cannot listen on {path}: errno {MemfdNative.Errno}");
            }
        }
    }

    /// <summary>The socket path.</summary>
    public string Path { get; }

    /// <summary>Waits for the back-end to connect and returns a new front-end over the connection.</summary>
    public FakeFrontend Accept(TimeSpan timeout) => FakeFrontend.FromSocket(AcceptSocket(timeout));

    /// <summary>Waits for the back-end to connect and gives the connection to <paramref name="frontend"/> (keeping its guest).</summary>
    public void AcceptInto(FakeFrontend frontend, TimeSpan timeout) => frontend.Attach(AcceptSocket(timeout));

    private int AcceptSocket(TimeSpan timeout)
    {
        if (MemfdNative.WaitReadable(_fd, (int)timeout.TotalMilliseconds) == 0)
        {
            throw new TimeoutException("the back-end did not connect");
        }
        int socket = MemfdNative.accept4(_fd, null, null, MemfdNative.SOCK_CLOEXEC);
        return socket >= 0 ? socket : throw new IOException($"accept failed: errno {MemfdNative.Errno}");
    }

    /// <summary>Stops listening and removes the socket file.</summary>
    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = MemfdNative.close(_fd);
            _fd = -1;
            File.Delete(Path);
        }
    }
}
