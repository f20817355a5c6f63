using System.Text;

namespace VSwitch.Native;

/// <summary>
/// A datagram socket for the interface ioctls of linux/sockios.h: flags (SIOCGIFFLAGS/SIOCSIFFLAGS), MTU and ifindex,
/// each addressed by interface name inside the network namespace the socket was opened in. Every operation returns 0
/// or an errno value (ENODEV: no such interface in that namespace; EINVAL: a name longer than 15 bytes, refused here
/// rather than truncated onto another interface). Control side only, never the datapath; not thread-safe (the owner
/// serialises calls). Owns its socket: dispose it.
/// </summary>
public sealed unsafe class InterfaceSocket : IDisposable
{
    private int _fd;

    private InterfaceSocket(int fd) => _fd = fd;

    /// <summary>Opens a socket in the calling thread's network namespace; null with <paramref name="errno"/> on failure.</summary>
    public static InterfaceSocket? TryOpen(out int errno)
    {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        errno = fd < 0 ? Libc.Errno : 0;
        return fd < 0 ? null : new InterfaceSocket(fd);
    }

    /// <summary>
    /// Opens a socket inside the network namespace <paramref name="namespaceFd"/> refers to (an fd of
    /// <c>/proc/PID/ns/net</c> or one the tun driver handed out). setns(2) changes only the calling thread, so it runs on
    /// a short-lived thread of its own; the socket stays in that namespace. Null with <paramref name="errno"/> on failure.
    /// </summary>
    public static InterfaceSocket? TryOpenIn(int namespaceFd, out int errno)
    {
        int fd = -1;
        int error = 0;
        var thread = new Thread(() =>
        {
            if (Libc.setns(namespaceFd, Libc.CLONE_NEWNET) != 0)
            {
                error = Libc.Errno;
                return;
            }
            fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            error = fd < 0 ? Libc.Errno : 0;
        })
        { IsBackground = true, Name = "netns-socket" };
        thread.Start();
        thread.Join();
        errno = error;
        return fd < 0 ? null : new InterfaceSocket(fd);
    }

    /// <summary>Reads the interface flags (IFF_UP, IFF_RUNNING, ...).</summary>
    public int GetFlags(string ifName, out short flags)
    {
        int rc = Get(ifName, Libc.SIOCGIFFLAGS, out int value);
        flags = (short)value;
        return rc;
    }

    /// <summary>Sets IFF_UP unless it is set already (administratively up, as <c>ip link set IF up</c>).</summary>
    public int BringUp(string ifName)
    {
        int rc = GetFlags(ifName, out short flags);
        if (rc != 0 || (flags & Libc.IFF_UP) != 0)
        {
            return rc;
        }
        return Set(ifName, Libc.SIOCSIFFLAGS, (ushort)(flags | Libc.IFF_UP));
    }

    /// <summary>Reads the MTU.</summary>
    public int GetMtu(string ifName, out int mtu) => Get(ifName, Libc.SIOCGIFMTU, out mtu);

    /// <summary>Sets the MTU.</summary>
    public int SetMtu(string ifName, int mtu) => Set(ifName, Libc.SIOCSIFMTU, mtu);

    /// <summary>Reads the ifindex.</summary>
    public int GetIndex(string ifName, out int index) => Get(ifName, Libc.SIOCGIFINDEX, out index);

    /// <summary>Closes the socket.</summary>
    public void Dispose()
    {
        FileDescriptor.CloseIfValid(_fd);
        _fd = -1;
    }

    private int Get(string ifName, uint request, out int value)
    {
        value = 0;
        var req = default(Libc.IfReq);
        if (!TryWriteName(ref req, ifName))
        {
            return Libc.EINVAL;
        }
        // SAFETY: req lives on this stack frame for the call; the kernel reads and writes only its 40 bytes.
        if (Libc.ioctl(_fd, request, &req) < 0)
        {
            return Libc.Errno;
        }
        value = req.Value;
        return 0;
    }

    private int Set(string ifName, uint request, int value)
    {
        var req = default(Libc.IfReq);
        if (!TryWriteName(ref req, ifName))
        {
            return Libc.EINVAL;
        }
        req.Value = value;
        // SAFETY: req lives on this stack frame for the call; the kernel reads only its 40 bytes.
        return Libc.ioctl(_fd, request, &req) < 0 ? Libc.Errno : 0;
    }

    /// <summary>Copies the name into ifr_name; false if it does not fit in 15 bytes (the 16th is the NUL).</summary>
    private static bool TryWriteName(ref Libc.IfReq req, string ifName)
    {
        if (ifName.Length == 0 || Encoding.UTF8.GetByteCount(ifName) >= Libc.IfNameSize)
        {
            return false;
        }
        fixed (byte* name = req.Name)
        {
            // SAFETY: name points at the 16-byte ifr_name of req, pinned by fixed; at most 15 bytes are written.
            Encoding.UTF8.GetBytes(ifName, new Span<byte>(name, Libc.IfNameSize - 1));
        }
        return true;
    }
}
