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
    /// Resets the counter of <paramref name="fd"/> if it is non-zero: a poll that does not wait, then one 8-byte read
    /// only if the eventfd is readable, so a blocking eventfd never blocks here (provided no other thread reads it).
    /// True if there was something to drain. -1 does nothing. Any thread; no allocation.
    /// </summary>
    public static bool TryDrain(int fd)
    {
        if (!FileDescriptor.IsReadable(fd))
        {
            return false;
        }
        ulong counter;
        // SAFETY: counter lives on this stack frame for the call; the kernel writes exactly 8 bytes.
        return Libc.read(fd, &counter, 8) == 8;
    }
}
