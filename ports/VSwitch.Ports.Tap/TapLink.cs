using System.Text;
using VSwitch.Native;

namespace VSwitch.Ports.Tap;

/// <summary>
/// The control side of one tap interface: opens its queue fds on /dev/net/tun and reads or changes the interface
/// (flags, MTU, ifindex) through an <see cref="InterfaceSocket"/>. Interface ioctls work by name inside one
/// network namespace, so when the interface is moved elsewhere (<c>ip link set IF netns NS</c>) the socket is
/// re-opened inside the interface's namespace (found with TUNGETDEVNETNS on a queue fd). Never used by the
/// datapath; the owner serialises calls. Owns its socket.
/// </summary>
internal sealed unsafe class TapLink : IDisposable
{
    /// <summary>Bytes of struct virtio_net_hdr_v1 (VIRTIO 1.2 §5.1.6), set with TUNSETVNETHDRSZ.</summary>
    public const int VnetHeaderSize = 12;

    private InterfaceSocket _socket;

    public TapLink()
    {
        _socket = InterfaceSocket.TryOpen(out int errno)
            ?? throw new IOException($"cannot open a socket for interface ioctls: {Libc.Describe(errno)}");
    }

    /// <summary>True once the interface was found in another namespace than the daemon's.</summary>
    public bool OtherNamespace { get; private set; }

    /// <summary>True when an interface named <paramref name="ifName"/> exists in the socket's namespace.</summary>
    public bool Exists(string ifName) => _socket.GetIndex(ifName, out _) == 0;

    /// <summary>
    /// Opens one queue of tap <paramref name="ifName"/> (creating the interface if there is none), non-blocking,
    /// with a 12-byte vnet header and the TUNSETOFFLOAD bits <paramref name="offloadBits"/> (0: none, the kernel then
    /// finishes checksums and segments GSO frames before handing them to us). Returns the fd, or -1 with
    /// <paramref name="error"/> set.
    /// </summary>
    public static int OpenQueue(string ifName, bool multiQueue, bool existed, uint offloadBits, out string? error)
    {
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            error = $"cannot open /dev/net/tun: {Libc.Describe(Libc.Errno)}";
            return -1;
        }
        var req = default(Libc.IfReq);
        WriteName(ref req, ifName);
        req.Value = (ushort)(Tun.IFF_TAP | Tun.IFF_NO_PI | Tun.IFF_VNET_HDR | (multiQueue ? Tun.IFF_MULTI_QUEUE : 0));
        int hdr = VnetHeaderSize;
        // SAFETY: req and hdr live on this stack frame for the duration of each ioctl.
        if (Libc.ioctl(fd, Tun.TUNSETIFF, &req) < 0)
        {
            error = SetIffError(Libc.Errno, ifName, multiQueue, existed);
        }
        else if (Libc.ioctl(fd, Tun.TUNSETVNETHDRSZ, &hdr) < 0)
        {
            error = $"tap '{ifName}': TUNSETVNETHDRSZ: {Libc.Describe(Libc.Errno)}";
        }
        // TUNSETOFFLOAD takes the bits as the ioctl's argument itself, not through a pointer (tun_chr_ioctl).
        else if (Libc.ioctl(fd, Tun.TUNSETOFFLOAD, (nuint)offloadBits) < 0)
        {
            error = $"tap '{ifName}': TUNSETOFFLOAD: {Libc.Describe(Libc.Errno)}";
        }
        else
        {
            error = null;
            return fd;
        }
        _ = Libc.close(fd);
        return -1;
    }

    /// <summary>The interface's current name as the tun driver knows it (follows renames), or null.</summary>
    public static string? CurrentName(int queueFd)
    {
        var req = default(Libc.IfReq);
        // SAFETY: req lives on this stack frame for the call.
        return Libc.ioctl(queueFd, Tun.TUNGETIFF, &req) < 0 ? null : ReadName(ref req);
    }

    /// <summary>Reads the interface flags; errno on failure (ENODEV when it is not in the socket's namespace).</summary>
    public int GetFlags(string ifName, out short flags) => _socket.GetFlags(ifName, out flags);

    /// <summary>Sets IFF_UP; errno on failure.</summary>
    public int BringUp(string ifName) => _socket.BringUp(ifName);

    /// <summary>Sets the MTU (SIOCSIFMTU); errno on failure.</summary>
    public int SetMtu(string ifName, int mtu) => _socket.SetMtu(ifName, mtu);

    /// <summary>Reads the MTU; errno on failure.</summary>
    public int GetMtu(string ifName, out int mtu) => _socket.GetMtu(ifName, out mtu);

    /// <summary>Reads the ifindex; errno on failure.</summary>
    public int GetIndex(string ifName, out int index) => _socket.GetIndex(ifName, out index);

    /// <summary>
    /// Re-opens the socket inside the network namespace the interface of <paramref name="queueFd"/> lives in now.
    /// Returns false if the namespace cannot be entered.
    /// </summary>
    public bool FollowNamespace(int queueFd, long ownNamespaceInode)
    {
        int ns = Libc.ioctl(queueFd, Tun.TUNGETDEVNETNS, 0);
        if (ns < 0)
        {
            return false;
        }
        InterfaceSocket? socket = InterfaceSocket.TryOpenIn(ns, out _);
        OtherNamespace = NamespaceInode(ns) != ownNamespaceInode;
        _ = Libc.close(ns);
        if (socket is null)
        {
            return false;
        }
        _socket.Dispose();
        _socket = socket;
        return true;
    }

    /// <summary>The inode number of the daemon's own network namespace (identifies it), or 0.</summary>
    public static long OwnNamespaceInode() => InodeOf("/proc/thread-self/ns/net");

    public void Dispose() => _socket.Dispose();

    private static long NamespaceInode(int nsFd) => InodeOf($"/proc/self/fd/{nsFd}");

    private static long InodeOf(string path)
    {
        // readlink gives "net:[4026531840]"; the number is the namespace's inode.
        try
        {
            string? target = new FileInfo(path).LinkTarget;
            int open = target?.IndexOf('[', StringComparison.Ordinal) ?? -1;
            return open >= 0 && long.TryParse(target.AsSpan(open + 1, target!.Length - open - 2), out long inode) ? inode : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void WriteName(ref Libc.IfReq req, string ifName)
    {
        fixed (byte* name = req.Name)
        {
            // The name was checked to fit in 15 bytes (TapPortOptions.CheckIfName); the 16th stays NUL.
            Encoding.UTF8.GetBytes(ifName, new Span<byte>(name, Libc.IfNameSize - 1));
        }
    }

    private static string ReadName(ref Libc.IfReq req)
    {
        fixed (byte* name = req.Name)
        {
            var span = new ReadOnlySpan<byte>(name, Libc.IfNameSize);
            int end = span.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
        }
    }

    private static string SetIffError(int errno, string ifName, bool multiQueue, bool existed) => errno switch
    {
        Libc.EINVAL when existed =>
            multiQueue
                ? $"interface '{ifName}' exists but is not a multi_queue tap device (more than one queue needs one)"
                : $"interface '{ifName}' exists but is not a tap device, or is a multi_queue tap (then give queues > 1)",
        Libc.EBUSY => $"tap '{ifName}' is already in use by another process",
        Libc.EPERM => $"not permitted to open tap '{ifName}' (needs CAP_NET_ADMIN, or to be the tap's owner)",
        _ => $"cannot open tap '{ifName}': {Libc.Describe(errno)}",
    };
}
