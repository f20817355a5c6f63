using VSwitch.Native;

namespace VSwitch.VhostUser.Transport;

/// <summary>
/// A listening unix socket for server-mode ports: replaces a stale socket file, applies explicit permissions,
/// and accepts one front-end at a time. Used by the session thread; <see cref="Dispose"/> may come from any thread.
/// </summary>
// SAFETY: the only pointers are to stack locals (sockaddr_un, pollfd) lent to the kernel for one call.
internal sealed unsafe class UnixListener : IDisposable
{
    private int _fd;

    private UnixListener(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The socket file.</summary>
    public string Path { get; }

    /// <summary>Creates the socket file at <paramref name="path"/> with mode <paramref name="mode"/> (and owner/group when ≥ 0).</summary>
    public static UnixListener Create(string path, uint mode, int owner = -1, int group = -1)
    {
        if (!Libc.TryMakeAddress(path, out var addr, out uint len))
        {
            throw new ArgumentException($"socket path '{path}' is empty or longer than 107 bytes", nameof(path));
        }
        if (File.Exists(path))
        {
            // A socket file left by an earlier run: nobody can be listening on it any more once we own the name.
            File.Delete(path);
        }
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new IOException($"socket() failed: errno {Libc.Errno}");
        }
        if (Libc.bind(fd, &addr, len) != 0)
        {
            int errno = Libc.Errno;
            _ = Libc.close(fd);
            throw new IOException($"cannot bind {path}: errno {errno}");
        }
        // Permissions before listen: nobody can connect while the socket still carries the umask's mode.
        if (Libc.chmod(path, mode) != 0
            || ((owner >= 0 || group >= 0) && Libc.chown(path, owner, group) != 0)
            || Libc.listen(fd, 4) != 0)
        {
            int errno = Libc.Errno;
            _ = Libc.close(fd);
            File.Delete(path);
            throw new IOException($"cannot set permissions of or listen on {path}: errno {errno}");
        }
        return new UnixListener(fd, path);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a front-end; returns its connection, or null on timeout.</summary>
    public UnixConnection? TryAccept(int timeoutMs)
    {
        int fd = Volatile.Read(ref _fd);
        if (fd < 0)
        {
            return null;
        }
        Libc.PollFd p = new() { Fd = fd, Events = Libc.POLLIN };
        if (Libc.poll(&p, 1, timeoutMs) <= 0 || (p.Revents & Libc.POLLIN) == 0)
        {
            return null;
        }
        int conn = Libc.accept4(fd, null, null, Libc.SOCK_CLOEXEC);
        return conn < 0 ? null : new UnixConnection(conn);
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = Libc.close(fd);
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
                // The socket file is gone already or its directory was removed: nothing left to clean.
            }
        }
    }
}
