using System.Runtime.InteropServices;

namespace VSwitch.Ports.Vxlan.Interop;

/// <summary>
/// Every system call of the VXLAN port: UDP sockets and their options, recvmmsg/sendmmsg batches with control messages
/// (UDP_SEGMENT, UDP_GRO, IP_PKTINFO, IP_RECVFRAGSIZE), poll and epoll for wake-ups. The structs mirror the x86-64
/// Linux ABI (glibc). Callers check return values and errno; nothing here throws or allocates.
/// </summary>
// SAFETY: pointer parameters go straight to libc; callers lend stack or native memory for the call only.
internal static unsafe partial class Libc
{
    public const int AF_INET = 2;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_UDP = 17;

    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;

    /// <summary>SOL_IP (= IPPROTO_IP).</summary>
    public const int SOL_IP = 0;
    public const int IP_TTL = 2;
    public const int IP_PKTINFO = 8;
    public const int IP_MTU_DISCOVER = 10;
    public const int IP_MTU = 14;

    /// <summary>linux/in.h: with it on, a datagram the kernel reassembled from fragments carries its largest fragment's size.</summary>
    public const int IP_RECVFRAGSIZE = 25;

    /// <summary>Never set DF; the kernel fragments datagrams larger than the path MTU.</summary>
    public const int IP_PMTUDISC_DONT = 0;

    /// <summary>Always set DF; a datagram larger than the path MTU fails with EMSGSIZE.</summary>
    public const int IP_PMTUDISC_DO = 2;

    /// <summary>SOL_UDP (= IPPROTO_UDP).</summary>
    public const int SOL_UDP = 17;

    /// <summary>linux/udp.h: segmentation offload size for sends (a u16 in a control message, or a socket option).</summary>
    public const int UDP_SEGMENT = 103;

    /// <summary>linux/udp.h: deliver coalesced datagrams with their segment size in a control message (an int).</summary>
    public const int UDP_GRO = 104;

    public const int MSG_CTRUNC = 0x8;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;

    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EINVAL = 22;
    public const int EMSGSIZE = 90;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETUNREACH = 101;
    public const int ENOBUFS = 105;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;

    public const short POLLIN = 1;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const uint EPOLLIN = 1;

    /// <summary>Bytes of a control message header (struct cmsghdr: size_t len, int level, int type).</summary>
    public const int CmsgHeaderSize = 16;

    /// <summary>CMSG_LEN: header plus <paramref name="dataSize"/> bytes.</summary>
    public static int CmsgLen(int dataSize) => CmsgHeaderSize + dataSize;

    /// <summary>CMSG_SPACE: header plus <paramref name="dataSize"/> bytes rounded up to 8.</summary>
    public static int CmsgSpace(int dataSize) => CmsgHeaderSize + ((dataSize + 7) & ~7);

    /// <summary>struct sockaddr_in: port and address in network byte order.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    public struct SockAddrIn
    {
        public ushort Family;
        public ushort PortBe;
        public uint AddrBe;
        public ulong Zero;
    }

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (56 bytes on x86-64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    /// <summary>struct mmsghdr: a message and the bytes the call moved for it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Hdr;
        public uint Len;
    }

    /// <summary>struct cmsghdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr
    {
        public nuint Len;
        public int Level;
        public int Type;
    }

    /// <summary>struct in_pktinfo: the interface and addresses a datagram arrived with.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InPktInfo
    {
        public int IfIndex;
        public uint SpecDstBe;
        public uint AddrBe;
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

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddrIn* addr, uint len);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, SockAddrIn* addr, uint len);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, SockAddrIn* addr, uint* len);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint len);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* len);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* msgs, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* msgs, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    /// <summary>errno of the last call made with SetLastError.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>The text of an errno value (strerror), for messages on the control side.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Sets an int socket option; returns 0 or the errno.</summary>
    public static int SetInt(int fd, int level, int name, int value)
    {
        // SAFETY: value lives on this stack frame for the call; the kernel reads sizeof(int) bytes.
        return SetSockOpt(fd, level, name, &value, sizeof(int)) == 0 ? 0 : Errno;
    }

    /// <summary>Reads an int socket option; returns 0 or the errno.</summary>
    public static int GetInt(int fd, int level, int name, out int value)
    {
        int v = 0;
        uint len = sizeof(int);
        // SAFETY: v and len live on this stack frame for the call; the kernel writes at most len bytes.
        int rc = GetSockOpt(fd, level, name, &v, &len) == 0 ? 0 : Errno;
        value = v;
        return rc;
    }
}
