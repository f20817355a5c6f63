namespace VSwitch.Native;

/// <summary>
/// Operations on eventfds the switch did not create (the guest's kick and call fds arrive from the vhost-user
/// front-end, blocking or not, shared with it). Stateless; any thread; nothing allocates or throws.
/// </summary>
public static unsafe class EventFd
{
    /// <summary>Signals an eventfd (adds 1 to its counter): one 8-byte write. False if the write failed.</summary>
    public static bool Signal(int fd)
    {
        ulong one = 1;
        // SAFETY: one lives on this stack frame for the call; the kernel reads exactly 8 bytes.
        return Libc.write(fd, &one, 8) == 8;
    }

    /// <summary>
    /// Resets the counter of <paramref name="fd"/> if it is non-zero, without ever blocking: one 8-byte preadv2 with
    /// RWF_NOWAIT, which does not wait whatever the fd's shared O_NONBLOCK flag says (the front-end holds the same file
    /// and may clear the flag, or read the counter first). Kernels older than 5.12 refuse RWF_NOWAIT on an eventfd; then
    /// a poll that does not wait and a read only if the fd is non-blocking. True if there was something to drain. -1
    /// does nothing. Any thread; no allocation.
    /// </summary>
    public static bool TryDrain(int fd)
    {
        if (fd < 0)
        {
            return false;
        }
        ulong counter = 0;
        var iov = new Libc.IoVec { Base = &counter, Length = 8 };
        // SAFETY: counter and iov live on this stack frame for the call; the kernel writes at most 8 bytes.
        nint n = Libc.preadv2(fd, &iov, 1, -1, Libc.RWF_NOWAIT);
        if (n < 0 && Libc.Errno is Libc.EOPNOTSUPP or Libc.EINVAL)
        {
            bool nonBlocking = (Libc.fcntl(fd, Libc.F_GETFL, 0) & Libc.O_NONBLOCK) != 0;
            n = nonBlocking && FileDescriptor.IsReadable(fd) ? Libc.read(fd, &counter, 8) : -1;
        }
        return n == 8;
    }
}
