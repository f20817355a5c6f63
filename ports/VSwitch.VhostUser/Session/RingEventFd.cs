using VSwitch.Native;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// The rules for the fds a front-end hands over with SET_VRING_KICK, SET_VRING_CALL and SET_VRING_ERR. The vhost-user
/// spec means eventfds ("the fd is an eventfd", QEMU's event notifier: "must be a genuine eventfd object, emulation with
/// pipe won't do"), and the datapath writes call fds and reads kick fds, so anything else is refused: a pipe or socket
/// would block the datapath thread once full, a file or device does who knows what. An eventfd is recognised by its
/// /proc/self/fd link, "anon_inode:[eventfd]", which no other kind of fd produces (files resolve to absolute paths).
/// An accepted eventfd is made non-blocking (O_NONBLOCK on the open file description it shares with the front-end):
/// even a genuine eventfd blocks a write while its counter is at 2^64-2, which a front-end can arrange by writing
/// 0xfffffffffffffffe. QEMU and DPDK create their eventfds with EFD_NONBLOCK already (they never block on them
/// either), so for them this changes nothing. A front-end that clears the flag again, or keeps a datapath thread
/// blocked, is caught by the session's periodic check (<see cref="IsNonBlocking"/>, <see cref="ReleaseBlockedWriter"/>).
/// Session thread only.
/// </summary>
internal static class RingEventFd
{
    /// <summary>The /proc/self/fd link of an eventfd.</summary>
    public const string EventFdLink = "anon_inode:[eventfd]";

    /// <summary>
    /// Accepts <paramref name="fd"/> as a ring eventfd: null when it is one (and is non-blocking now), else what it is
    /// instead, for the error message. <paramref name="madeNonBlocking"/> tells whether the switch had to set O_NONBLOCK.
    /// </summary>
    public static string? TryAdopt(int fd, out bool madeNonBlocking)
    {
        madeNonBlocking = false;
        string? link = FileDescriptor.Target(fd);
        if (link != EventFdLink)
        {
            return link is null
                ? "its kind cannot be read from /proc/self/fd (is /proc mounted?)"
                : Describe(link) + ", not an eventfd";
        }
        int flags = Libc.fcntl(fd, Libc.F_GETFL, 0);
        if (flags < 0)
        {
            return $"its flags cannot be read (errno {Libc.Errno})";
        }
        if ((flags & Libc.O_NONBLOCK) == 0)
        {
            if (Libc.fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK) != 0)
            {
                return $"it cannot be made non-blocking (errno {Libc.Errno})";
            }
            madeNonBlocking = true;
        }
        return null;
    }

    /// <summary>True while <paramref name="fd"/> still has O_NONBLOCK (the front-end can clear it: the description is shared).</summary>
    public static bool IsNonBlocking(int fd) => (Libc.fcntl(fd, Libc.F_GETFL, 0) & Libc.O_NONBLOCK) != 0;

    /// <summary>
    /// Frees a datapath thread blocked writing call eventfd <paramref name="fd"/>: when the counter is at its maximum,
    /// reads (resets) it without blocking, so the blocked write completes. The guest loses nothing: a full counter
    /// means a notification was pending, and the completing write leaves one pending. Returns true if it drained.
    /// </summary>
    public static bool ReleaseBlockedWriter(int fd) => fd >= 0 && FileDescriptor.IsWriteBlocked(fd) && EventFd.TryDrain(fd);

    /// <summary>"a pipe", "a socket", "a timerfd", "the file /x/y" for a /proc/self/fd link.</summary>
    public static string Describe(string link) => link switch
    {
        _ when link.StartsWith("pipe:", StringComparison.Ordinal) => "a pipe",
        _ when link.StartsWith("socket:", StringComparison.Ordinal) => "a socket",
        _ when link.StartsWith("/memfd:", StringComparison.Ordinal) => "a memfd",
        _ when link.StartsWith("anon_inode:[", StringComparison.Ordinal) && link.EndsWith(']') => "a " + link["anon_inode:[".Length..^1] + " fd",
        _ when link.StartsWith("anon_inode:", StringComparison.Ordinal) => "a " + link["anon_inode:".Length..] + " fd",
        _ when link.StartsWith('/') => "the file " + link,
        _ => "'" + link + "'",
    };
}
