using System.Runtime.InteropServices;

namespace VSwitch.Ports.Tap.Interop;

/// <summary>
/// Every system call of the TAP port: /dev/net/tun and its ioctls, interface ioctls on a datagram socket,
/// readv/writev for frames, poll and epoll for wake-ups, setns for reaching an interface moved to another
/// network namespace. Callers check return values and errno; nothing here throws or allocates.
/// </summary>
// SAFETY: pointer parameters go straight to libc; callers lend stack, native or pinned memory for the call only.
internal static unsafe partial class Libc
{
    public const int O_RDWR = 2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int AF_INET = 2;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int CLONE_NEWNET = 0x40000000;

    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOBUFS = 105;
    public const int EBADFD = 77;
    public const int EMSGSIZE = 90;
    public const int EPERM = 1;

    /// <summary>linux/if_tun.h: _IOW('T', 202, int).</summary>
    public const uint TUNSETIFF = 0x400454ca;

    /// <summary>linux/if_tun.h: _IOR('T', 210, unsigned int).</summary>
    public const uint TUNGETIFF = 0x800454d2;

    /// <summary>linux/if_tun.h: _IOW('T', 208, unsigned int).</summary>
    public const uint TUNSETOFFLOAD = 0x400454d0;

    /// <summary>linux/if_tun.h: _IOW('T', 216, int).</summary>
    public const uint TUNSETVNETHDRSZ = 0x400454d8;

    /// <summary>linux/if_tun.h: _IOW('T', 212, int).</summary>
    public const uint TUNSETSNDBUF = 0x400454d4;

    /// <summary>linux/if_tun.h: _IO('T', 227); returns an fd of the device's network namespace.</summary>
    public const uint TUNGETDEVNETNS = 0x54e3;

    public const uint SIOCGIFFLAGS = 0x8913;
    public const uint SIOCSIFFLAGS = 0x8914;
    public const uint SIOCGIFMTU = 0x8921;
    public const uint SIOCSIFMTU = 0x8922;
    public const uint SIOCGIFINDEX = 0x8933;

    public const short IFF_TAP = 0x0002;
    public const short IFF_MULTI_QUEUE = 0x0100;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
    public const short IFF_UP = 0x1;
    public const short IFF_RUNNING = 0x40;

    public const short POLLIN = 1;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const uint EPOLLIN = 1;

    /// <summary>IFNAMSIZ: interface names are at most 15 bytes plus the terminating NUL.</summary>
    public const int IfNameSize = 16;

    /// <summary>struct ifreq on 64-bit Linux: a 16-byte name, then a 24-byte union (flags, ifindex, mtu at offset 16).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    public struct IfReq
    {
        public fixed byte Name[IfNameSize];
        public int Value;
    }

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>struct epoll_event (packed on x86-64).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlValue(int fd, nuint request, nuint arg);

    [LibraryImport("libc", EntryPoint = "readv", SetLastError = true)]
    public static partial nint Readv(int fd, IoVec* iov, int count);

    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    public static partial nint Writev(int fd, IoVec* iov, int count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int Setns(int fd, int nstype);

    /// <summary>errno of the last call made with SetLastError.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>The text of an errno value (strerror), for messages on the control side.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
