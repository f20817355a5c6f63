using System.Runtime.InteropServices;

namespace VSwitch.Daemon.Interop;

/// <summary>
/// The daemon's libc calls: setsid for --detach, sched_setaffinity for --pmd-cpus, epoll and eventfd reads for the
/// datapath's sleep, statx for the journal check. Plain DllImports of blittable arguments; no unsafe code.
/// </summary>
internal static class Libc
{
    /// <summary>Starts a new session so the terminal's hangup and job control no longer reach the daemon.</summary>
    public static bool TryStartSession() => setsid() >= 0;

    /// <summary>Pins the calling thread to <paramref name="cpus"/> (sched_setaffinity(2) with pid 0 = this thread).</summary>
    public static bool TryPinCurrentThread(IReadOnlyList<int> cpus)
    {
        byte[] mask = new byte[128]; // 1024 CPUs, the size of glibc's cpu_set_t
        foreach (int cpu in cpus)
        {
            if ((uint)cpu < (uint)(mask.Length * 8))
            {
                mask[cpu / 8] |= (byte)(1 << (cpu % 8));
            }
        }
        return sched_setaffinity(0, mask.Length, mask) == 0;
    }

    /// <summary>
    /// The device number (as glibc's makedev encodes it, the form <c>st_dev</c> and <c>$JOURNAL_STREAM</c> use) and the
    /// inode number of open file descriptor <paramref name="fd"/>, by statx(2) with AT_EMPTY_PATH.
    /// </summary>
    public static bool TryGetDeviceAndInode(int fd, out ulong device, out ulong inode)
    {
        const int AtEmptyPath = 0x1000;
        const uint StatxBasicStats = 0x7ff;
        byte[] buffer = new byte[256]; // sizeof(struct statx)
        if (statx(fd, "", AtEmptyPath, StatxBasicStats, buffer) != 0)
        {
            device = 0;
            inode = 0;
            return false;
        }
        // struct statx (linux/stat.h), the same on every architecture: stx_ino at 32, stx_dev_major at 136, stx_dev_minor at 140.
        inode = BitConverter.ToUInt64(buffer, 32);
        ulong major = BitConverter.ToUInt32(buffer, 136);
        ulong minor = BitConverter.ToUInt32(buffer, 140);
        // glibc's gnu_dev_makedev (sys/sysmacros.h).
        device = ((major & 0x00000fffUL) << 8) | ((major & 0xfffff000UL) << 32) | (minor & 0x000000ffUL) | ((minor & 0xffffff00UL) << 12);
        return true;
    }

    /// <summary>The last OS error number.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>struct epoll_event: packed on x86-64 (12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x001;

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_wait(int epfd, [Out] EpollEvent[] events, int maxEvents, int timeoutMs);

    /// <summary>Reads (and so resets) an eventfd into an 8-byte scratch buffer; the caller knows it is readable.</summary>
    public static void DrainEventFd(int fd, byte[] scratch) => _ = read(fd, scratch, 8);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, [Out] byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int setsid();

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint cpusetsize, byte[] mask);
}
