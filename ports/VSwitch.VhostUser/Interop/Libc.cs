using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Interop;

/// <summary>
/// Every system call this assembly makes (Snabb's small C shim, here as P/Invoke). .NET's Socket has no
/// SCM_RIGHTS, and vhost-user needs fd passing, shared mappings and eventfds, so the unix socket is
/// driven through raw calls too. Callers check return values; nothing here throws.
/// </summary>
// SAFETY: pointer parameters are passed straight to libc; callers lend stack or pinned memory for the call only.
internal static unsafe partial class Libc
{
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_CTRUNC = 0x8;
    public const int SHUT_RDWR = 2;
    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const short POLLIN = 1;
    public const int EINTR = 4;
    public static readonly nint MapFailed = -1;

    /// <summary>Bytes of struct stat on 64-bit Linux (x86-64 and arm64 alike).</summary>
    public const int StatSize = 144;

    /// <summary>Offset of st_size (off_t) in struct stat on x86-64 and arm64.</summary>
    public const int StatSizeOffset = 48;

    /// <summary>Offset of st_blksize in struct stat; its low 32 bits are the value on both x86-64 and arm64.</summary>
    public const int StatBlockSizeOffset = 56;

    /// <summary>struct sockaddr_un (108-byte path).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrUn
    {
        public ushort Family;
        public fixed byte Path[108];
    }

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (x86-64 layout).</summary>
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

    /// <summary>struct cmsghdr header (x86-64: 16 bytes, data follows).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, SockaddrUn* addr, uint len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* addr, void* len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, SockaddrUn* addr, uint len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fstat(int fd, byte* statBuffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, int owner, int group);

    /// <summary>Fills a sockaddr_un; false if the path does not fit (108 bytes with the terminating NUL).</summary>
    public static bool TryMakeAddress(string path, out SockaddrUn addr, out uint length)
    {
        addr = default;
        length = 0;
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(path);
        if (bytes.Length == 0 || bytes.Length >= 108)
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

    /// <summary>Signals an eventfd (adds 1). Returns false if the write failed.</summary>
    public static bool SignalEventFd(int fd)
    {
        ulong one = 1;
        return write(fd, &one, 8) == 8;
    }

    /// <summary>Closes an fd if it is valid (≥ 0).</summary>
    public static void CloseIfValid(int fd)
    {
        if (fd >= 0)
        {
            _ = close(fd);
        }
    }

    /// <summary>
    /// Size and preferred I/O block size of the file behind <paramref name="fd"/> (for hugetlbfs the block size is the
    /// huge page size, to which a mapping's length must be rounded). False if fstat fails.
    /// </summary>
    public static bool TryGetFileSize(int fd, out long size, out long blockSize)
    {
        byte* buffer = stackalloc byte[StatSize];
        if (fstat(fd, buffer) != 0)
        {
            size = 0;
            blockSize = 0;
            return false;
        }
        size = *(long*)(buffer + StatSizeOffset);
        blockSize = *(int*)(buffer + StatBlockSizeOffset);
        return true;
    }

    /// <summary>The errno of the last failed call.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    // ---- Ring notification fds (SET_VRING_KICK/CALL/ERR): what kind of fd, non-blocking use ----

    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int F_GET_SEALS = 1034;
    public const int O_NONBLOCK = 0x800;
    public const int RWF_NOWAIT = 0x8;
    public const short POLLOUT = 4;
    public const int EAGAIN = 11;
    public const int EOPNOTSUPP = 95;

    /// <summary>Seals of a memfd (fcntl F_GET_SEALS).</summary>
    public const int F_SEAL_SEAL = 0x1;
    public const int F_SEAL_SHRINK = 0x2;

    /// <summary>f_type of struct statfs for the file systems guest memory comes from.</summary>
    public const long HugetlbfsMagic = 0x958458f6;
    public const long TmpfsMagic = 0x01021994;

    /// <summary>Bytes of struct statfs on 64-bit Linux; f_type is the first field (a long).</summary>
    public const int StatfsSize = 120;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint readlink(byte* path, byte* buffer, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint preadv2(int fd, IoVec* iov, int count, long offset, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fstatfs(int fd, byte* buffer);

    /// <summary>
    /// The target of <c>/proc/self/fd/N</c>: "anon_inode:[eventfd]" for an eventfd, "pipe:[ino]", "socket:[ino]",
    /// a path for a file ("/memfd:name (deleted)" for a memfd). Null if it cannot be read (no /proc, fd closed).
    /// </summary>
    public static string? FdTarget(int fd)
    {
        byte* path = stackalloc byte[32];
        byte* target = stackalloc byte[256];
        string name = "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        int length = System.Text.Encoding.ASCII.GetBytes(name, new Span<byte>(path, 31));
        path[length] = 0;
        nint n = readlink(path, target, 256);
        return n < 0 ? null : System.Text.Encoding.UTF8.GetString(target, (int)Math.Min(n, 256));
    }

    /// <summary>Reads and resets an eventfd's counter without ever blocking; false if it was 0 or the read failed.</summary>
    public static bool TryDrainEventFd(int fd)
    {
        ulong value = 0;
        IoVec iov = new() { Base = &value, Length = 8 };
        // RWF_NOWAIT makes this one read non-blocking whatever the shared O_NONBLOCK flag says (eventfd, Linux 5.12+).
        nint n = preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
        if (n < 0 && Errno is EOPNOTSUPP or 22 /* EINVAL: older kernels */)
        {
            // Older kernels: fall back to the fd's own flag, which the session sets before any read.
            n = (fcntl(fd, F_GETFL, 0) & O_NONBLOCK) != 0 ? read(fd, &value, 8) : -1;
        }
        return n == 8;
    }

    /// <summary>True when a write to <paramref name="fd"/> would block now (an eventfd whose counter is at its maximum).</summary>
    public static bool IsWriteBlocked(int fd)
    {
        PollFd p = new() { Fd = fd, Events = POLLOUT };
        int ready = poll(&p, 1, 0);
        return ready == 0 || (ready == 1 && (p.Revents & POLLOUT) == 0);
    }

    // ---- libvswitch_guard (Native/guest_fault_guard.c): containment of SIGBUS in front-end mappings ----

    /// <summary>The guard library's exports the switch uses; see Native/guest_fault_guard.c for the contract of each.</summary>
    internal static partial class Guard
    {
        private const string Library = "vswitch_guard";

        [LibraryImport(Library, EntryPoint = "vsw_guard_install")]
        public static partial int Install();

        [LibraryImport(Library, EntryPoint = "vsw_guard_register")]
        public static partial int Register(nint start, nuint length, int* faultWord, int cookie);

        [LibraryImport(Library, EntryPoint = "vsw_guard_unregister")]
        public static partial int Unregister(int slot);
    }
}
