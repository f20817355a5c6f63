using System.Runtime.InteropServices;

namespace VSwitch.Native;

/// <summary>Sockets: unix stream sockets with SCM_RIGHTS for vhost-user, datagram sockets for interface ioctls.</summary>
internal static unsafe partial class Libc
{
    public const int AF_UNIX = 1;
    public const int AF_INET = 2;
    public const int SOCK_STREAM = 1;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_CTRUNC = 0x8;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;
    public const int SHUT_RDWR = 2;

    /// <summary>Bytes of sun_path in struct sockaddr_un, the terminating NUL included.</summary>
    public const int UnixPathSize = 108;

    /// <summary>struct sockaddr_un (110 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrUn
    {
        public ushort Family;
        public fixed byte Path[UnixPathSize];
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

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, SockaddrUn* addr, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* addr, void* length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, SockaddrUn* addr, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

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
}
