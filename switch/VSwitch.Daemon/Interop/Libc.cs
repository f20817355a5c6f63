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

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int setsid();

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint cpusetsize, byte[] mask);
}
