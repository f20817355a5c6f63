using System.Buffers.Binary;
using VSwitch.Ports.Vxlan.Interop;

namespace VSwitch.Ports.Vxlan;

/// <summary>Small socket helpers shared by the endpoint and the senders. Control side (setup), except <see cref="Address"/>.</summary>
internal static unsafe class Sockets
{
    /// <summary>A sockaddr_in for a host-order address and port.</summary>
    public static Libc.SockAddrIn Address(uint ip, ushort port) => new()
    {
        Family = Libc.AF_INET,
        PortBe = BinaryPrimitives.ReverseEndianness(port),
        AddrBe = BinaryPrimitives.ReverseEndianness(ip),
    };

    /// <summary>An epoll fd watching <paramref name="fd"/> for input, or -1 if epoll is unavailable.</summary>
    public static int EpollOn(int fd)
    {
        int epollFd = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (epollFd < 0)
        {
            return -1;
        }
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = 0 };
        // SAFETY: ev lives on this stack frame for the call.
        if (Libc.EpollCtl(epollFd, Libc.EPOLL_CTL_ADD, fd, &ev) < 0)
        {
            _ = Libc.Close(epollFd);
            return -1;
        }
        return epollFd;
    }

    /// <summary>True when <paramref name="fd"/> has input now (poll without waiting).</summary>
    public static bool Readable(int fd)
    {
        var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        // SAFETY: pfd lives on this stack frame for the call.
        return fd >= 0 && Libc.Poll(&pfd, 1, 0) > 0 && (pfd.Revents & Libc.POLLIN) != 0;
    }

    /// <summary>
    /// The MTU of the route to <paramref name="remote"/>:<paramref name="port"/> as the kernel knows it now (the path MTU
    /// when one was learnt), from <c>IP_MTU</c> of a connected probe socket bound to <paramref name="local"/>; null if none.
    /// </summary>
    public static int? PathMtu(uint local, uint remote, ushort port)
    {
        int fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, Libc.IPPROTO_UDP);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            var me = Address(local, 0);
            var to = Address(remote, port);
            // SAFETY: me and to live on this stack frame for the calls.
            if (Libc.Bind(fd, &me, (uint)sizeof(Libc.SockAddrIn)) != 0 || Libc.Connect(fd, &to, (uint)sizeof(Libc.SockAddrIn)) != 0)
            {
                return null;
            }
            return Libc.GetInt(fd, Libc.SOL_IP, Libc.IP_MTU, out int mtu) == 0 && mtu > 0 ? mtu : null;
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }
}
