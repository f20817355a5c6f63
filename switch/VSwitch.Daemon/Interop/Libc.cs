using System.Runtime.InteropServices;

namespace VSwitch.Daemon.Interop;

/// <summary>
/// The daemon's libc calls: setsid for --detach and sched_setaffinity for --pmd-cpus. Plain DllImports of blittable
/// arguments; no unsafe code.
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

    /// <summary>
    /// Reads (and so resets) an eventfd into an 8-byte pinned scratch buffer (GC.AllocateArray with pinned: true); the
    /// caller saw it readable. The eventfd is shared with a front-end, which may read it first and may even clear
    /// O_NONBLOCK on it: RWF_NOWAIT makes this one read non-blocking regardless (Linux 5.12+); older kernels fall back
    /// to read(), non-blocking through the flag the vhost-user session sets and watches.
    /// </summary>
    public static void DrainEventFd(int fd, byte[] scratch)
    {
        var iov = new IoVec { Base = Marshal.UnsafeAddrOfPinnedArrayElement(scratch, 0), Length = 8 };
        if (preadv2(fd, ref iov, 1, -1, RwfNowait) < 0 && Marshal.GetLastPInvokeError() is EOpNotSupp or EInval)
        {
            _ = read(fd, scratch, 8);
        }
    }

    private const int RwfNowait = 0x8;
    private const int EOpNotSupp = 95;
    private const int EInval = 22;

    /// <summary>struct iovec over a pinned buffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, [Out] byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern nint preadv2(int fd, ref IoVec iov, int count, long offset, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int setsid();

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint cpusetsize, byte[] mask);
}
