using VSwitch.Native;

namespace VSwitch.VhostUser.Transport;

/// <summary>Client-mode connect: one attempt to reach a front-end listening at a path (the caller retries every second).</summary>
// SAFETY: the only pointer is to a stack sockaddr_un lent to connect() for one call.
internal static unsafe class UnixConnector
{
    /// <summary>Connects, or returns null when nobody listens there yet.</summary>
    public static UnixConnection? TryConnect(string path)
    {
        if (!Libc.TryMakeAddress(path, out var addr, out uint len))
        {
            return null;
        }
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }
        if (Libc.connect(fd, &addr, len) != 0)
        {
            _ = Libc.close(fd);
            return null;
        }
        return new UnixConnection(fd);
    }
}
