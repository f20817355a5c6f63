using System.Runtime.InteropServices;

namespace VSwitch.Native;

/// <summary>
/// Every libc function the switch calls, declared once, in one convention: <c>[LibraryImport("libc", SetLastError =
/// true)]</c> partial methods named as in C (so they read like their man pages), the kernel's structs mirrored with
/// tested sizes (64-bit Linux, x86-64 layouts where the architectures differ), constants under their C names, and errno
/// read through <see cref="Errno"/> only. Nothing here throws or keeps state, and nothing a datapath thread calls
/// allocates: callers check every return value. Thread-safe as far as the calls themselves are. Sections: errno, files
/// and mappings, sockets, waiting (poll, epoll), interface ioctls, the process.
/// Internal on purpose: only the assemblies that do I/O may call libc (see the project file); everything else goes
/// through the small public helpers of this assembly.
/// </summary>
// SAFETY: pointer parameters are passed straight to libc; callers lend stack, pinned or native memory for the call only.
internal static unsafe partial class Libc
{
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int EBADFD = 77;
    public const int EMSGSIZE = 90;
    public const int EOPNOTSUPP = 95;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETUNREACH = 101;
    public const int ENOBUFS = 105;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;

    /// <summary>errno of the last call of this class (each is declared with SetLastError).</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>The text of an errno value (strerror), for messages on the control side (allocates).</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    // ---- File descriptors, files and shared mappings.

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const int MAP_PRIVATE = 2;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_POPULATE = 0x8000;
    public const int MAP_HUGETLB = 0x40000;

    /// <summary>MAP_HUGE_2MB: log2(2 MiB) = 21 in the bits from MAP_HUGE_SHIFT (26), so MAP_HUGETLB asks for 2 MiB pages.</summary>
    public const int MAP_HUGE_2MB = 21 << 26;

    /// <summary>madvise advice: back the range with transparent huge pages where possible.</summary>
    public const int MADV_HUGEPAGE = 14;

    /// <summary>What mmap returns on failure (MAP_FAILED).</summary>
    public static readonly nint MapFailed = -1;

    /// <summary>Bytes of struct stat on 64-bit Linux (x86-64: 144; arm64: 128, so 144 holds either).</summary>
    public const int StatSize = 144;

    /// <summary>Offset of st_size (off_t) in struct stat on x86-64 and arm64.</summary>
    public const int StatSizeOffset = 48;

    /// <summary>Offset of st_blksize in struct stat; its low 32 bits are the value on both x86-64 and arm64.</summary>
    public const int StatBlockSizeOffset = 56;

    /// <summary>Bytes of struct statx (linux/stat.h), the same on every architecture.</summary>
    public const int StatxSize = 256;

    /// <summary>Offsets in struct statx: stx_uid, stx_gid, stx_mode (16 bits), stx_ino, stx_dev_major, stx_dev_minor.</summary>
    public const int StatxUidOffset = 20;
    public const int StatxGidOffset = 24;
    public const int StatxModeOffset = 28;
    public const int StatxInodeOffset = 32;
    public const int StatxDevMajorOffset = 136;
    public const int StatxDevMinorOffset = 140;

    public const int AT_FDCWD = -100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int F_GET_SEALS = 1034;
    public const int F_SEAL_SEAL = 0x1;
    public const int F_SEAL_SHRINK = 0x2;

    /// <summary>preadv2 flag: fail with EAGAIN instead of blocking, whatever the fd's O_NONBLOCK says.</summary>
    public const int RWF_NOWAIT = 0x8;

    /// <summary>f_type of struct statfs for the file systems guest memory comes from.</summary>
    public const long HUGETLBFS_MAGIC = 0x958458f6;
    public const long TMPFS_MAGIC = 0x01021994;

    /// <summary>Bytes of struct statfs on 64-bit Linux; f_type is its first field (a long).</summary>
    public const int StatfsSize = 120;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint readlink(byte* path, byte* buffer, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint preadv2(int fd, IoVec* iov, int count, long offset, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fstatfs(int fd, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint readv(int fd, IoVec* iov, int count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint writev(int fd, IoVec* iov, int count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fstat(int fd, byte* statBuffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, uint mode);

    /// <summary>statx(2) into a <see cref="StatxSize"/>-byte buffer.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int madvise(nint addr, nuint length, int advice);

    // ---- Sockets: unix stream sockets with SCM_RIGHTS for vhost-user, datagram sockets for interface ioctls, UDP
    // sockets with batched sends and receives (recvmmsg/sendmmsg) and their control messages for VXLAN.

    public const int AF_UNIX = 1;
    public const int AF_INET = 2;
    public const int SOCK_STREAM = 1;
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
    public const int SCM_RIGHTS = 1;
    public const int MSG_CTRUNC = 0x8;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;
    public const int SHUT_RDWR = 2;

    /// <summary>SOL_IP (= IPPROTO_IP).</summary>
    public const int SOL_IP = 0;
    public const int IP_TTL = 2;
    public const int IP_PKTINFO = 8;
    public const int IP_MTU_DISCOVER = 10;
    public const int IP_MTU = 14;

    /// <summary>linux/in.h: with it on, a datagram the kernel reassembled from fragments carries its largest fragment's size.</summary>
    public const int IP_RECVFRAGSIZE = 25;

    /// <summary>IP_MTU_DISCOVER value: never set DF; the kernel fragments datagrams larger than the path MTU.</summary>
    public const int IP_PMTUDISC_DONT = 0;

    /// <summary>IP_MTU_DISCOVER value: always set DF; a datagram larger than the path MTU fails with EMSGSIZE.</summary>
    public const int IP_PMTUDISC_DO = 2;

    /// <summary>SOL_UDP (= IPPROTO_UDP).</summary>
    public const int SOL_UDP = 17;

    /// <summary>linux/udp.h: segmentation offload size for sends (a u16 in a control message, or a socket option).</summary>
    public const int UDP_SEGMENT = 103;

    /// <summary>linux/udp.h: deliver coalesced datagrams with their segment size in a control message (an int).</summary>
    public const int UDP_GRO = 104;

    /// <summary>Bytes of sun_path in struct sockaddr_un, the terminating NUL included.</summary>
    public const int UnixPathSize = 108;

    /// <summary>struct sockaddr_un (110 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrUn
    {
        public ushort Family;
        public fixed byte Path[UnixPathSize];
    }

    /// <summary>struct sockaddr_in (16 bytes): port and address in network byte order, then 8 bytes of zero.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    public struct SockaddrIn
    {
        public ushort Family;
        public ushort PortBe;
        public uint AddrBe;
        public ulong Zero;
    }

    /// <summary>struct msghdr (56 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct cmsghdr, the header of one control message (16 bytes on 64-bit Linux; its data follows).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>Bytes of a control message header (sizeof(struct cmsghdr)); the data starts right after it.</summary>
    public const int CmsgHeaderSize = 16;

    /// <summary>CMSG_LEN: header plus <paramref name="dataSize"/> bytes.</summary>
    public static int CmsgLen(int dataSize) => CmsgHeaderSize + dataSize;

    /// <summary>CMSG_SPACE: header plus <paramref name="dataSize"/> bytes rounded up to 8.</summary>
    public static int CmsgSpace(int dataSize) => CmsgHeaderSize + ((dataSize + 7) & ~7);

    /// <summary>struct mmsghdr (64 bytes on 64-bit Linux): one message of a recvmmsg/sendmmsg batch and the bytes the call moved for it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Hdr;
        public uint Len;
    }

    /// <summary>struct in_pktinfo (12 bytes), the data of an IP_PKTINFO control message: the interface and addresses a datagram arrived with.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InPktInfo
    {
        public int IfIndex;
        public uint SpecDstBe;
        public uint AddrBe;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, SockaddrUn* addr, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, SockaddrIn* addr, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* addr, void* length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, SockaddrUn* addr, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, SockaddrIn* addr, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockname(int fd, SockaddrIn* addr, uint* length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    /// <summary>recvmmsg(2): the number of messages received, or -1. <paramref name="timeout"/> is a struct timespec* (null: none).</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* msgs, uint count, int flags, void* timeout);

    /// <summary>sendmmsg(2): the number of messages sent (fewer than asked when one fails after the first), or -1.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* msgs, uint count, int flags);

    /// <summary>Sets an int socket option; returns 0 or the errno.</summary>
    public static int SetSockOptInt(int fd, int level, int name, int value)
    {
        // SAFETY: value lives on this stack frame for the call; the kernel reads sizeof(int) bytes.
        return setsockopt(fd, level, name, &value, sizeof(int)) == 0 ? 0 : Errno;
    }

    /// <summary>Reads an int socket option; returns 0 or the errno.</summary>
    public static int GetSockOptInt(int fd, int level, int name, out int value)
    {
        int v = 0;
        uint length = sizeof(int);
        // SAFETY: v and length live on this stack frame for the call; the kernel writes at most length bytes.
        int rc = getsockopt(fd, level, name, &v, &length) == 0 ? 0 : Errno;
        value = v;
        return rc;
    }

    /// <summary>Fills a sockaddr_un; false if the path is empty or does not fit (108 bytes with the terminating NUL).</summary>
    public static bool TryMakeAddress(string path, out SockaddrUn addr, out uint length)
    {
        addr = default;
        length = 0;
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(path);
        if (bytes.Length == 0 || bytes.Length >= UnixPathSize)
        {
            return false;
        }
        addr.Family = AF_UNIX;
        for (int i = 0; i < bytes.Length; i++)
        {
            addr.Path[i] = bytes[i];
        }
        length = (uint)(2 + bytes.Length + 1);
        return true;
    }

    // ---- Waiting for fds: poll and epoll.

    public const short POLLIN = 1;
    public const short POLLOUT = 4;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 1;

    /// <summary>struct pollfd (8 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>struct epoll_event: packed on x86-64 (12 bytes), where the kernel declares it __attribute__((packed)).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    // ---- ioctl, and the interface requests (by name, on any socket) of linux/sockios.h and linux/if.h.

    public const uint SIOCGIFFLAGS = 0x8913;
    public const uint SIOCSIFFLAGS = 0x8914;
    public const uint SIOCGIFMTU = 0x8921;
    public const uint SIOCSIFMTU = 0x8922;
    public const uint SIOCGIFINDEX = 0x8933;

    public const short IFF_UP = 0x1;
    public const short IFF_RUNNING = 0x40;

    /// <summary>IFNAMSIZ: interface names are at most 15 bytes plus the terminating NUL.</summary>
    public const int IfNameSize = 16;

    /// <summary>struct ifreq on 64-bit Linux: a 16-byte name, then a 24-byte union (flags, ifindex, mtu at offset 16).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    public struct IfReq
    {
        public fixed byte Name[IfNameSize];
        public int Value;
    }

    /// <summary>ioctl(2) with a pointer argument.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    /// <summary>ioctl(2) with an integer argument.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, nuint arg);

    // ---- The process and its threads: sessions, CPU affinity, network namespaces, user and group lookup.

    public const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsid();

    /// <summary>sched_setaffinity(2); pid 0 is the calling thread.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint maskSize, byte* mask);

    /// <summary>setns(2); changes the calling thread only.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    /// <summary>getpwnam(3): a pointer to a static struct passwd, or 0 when there is no such user. Not reentrant.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getpwnam(string name);

    /// <summary>getgrnam(3): a pointer to a static struct group, or 0 when there is no such group. Not reentrant.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getgrnam(string name);

    /// <summary>getgrgid(3): a pointer to a static struct group, or 0 when there is no such group. Not reentrant.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint getgrgid(uint gid);
}
