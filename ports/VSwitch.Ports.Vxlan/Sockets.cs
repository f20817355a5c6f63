using System.Buffers.Binary;
using VSwitch.Native;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// Small socket helpers shared by the endpoint and the senders. Control side (setup), except <see cref="Address"/>.
/// Waiting and readiness use the shared helpers of VSwitch.Native (<see cref="Epoll.WatchReadable"/>,
/// <see cref="FileDescriptor.IsReadable"/>).
/// </summary>
internal static unsafe class Sockets
{
    /// <summary>A sockaddr_in for a host-order address and port.</summary>
    public static Libc.SockaddrIn Address(uint ip, ushort port) => new()
    {
        Family = Libc.AF_INET,
        PortBe = BinaryPrimitives.ReverseEndianness(port),
        AddrBe = BinaryPrimitives.ReverseEndianness(ip),
    };

    /// <summary>
    /// The MTU of the route to <paramref name="remote"/>:<paramref name="port"/> as the kernel knows it now (the path MTU
    /// when one was learnt), from <c>IP_MTU</c> of a connected probe socket bound to <paramref name="local"/>; null if none.
    /// </summary>
    public static int? PathMtu(uint local, uint remote, ushort port)
    {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, Libc.IPPROTO_UDP);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            var me = Address(local, 0);
            var to = Address(remote, port);
            // SAFETY: me and to live on this stack frame for the calls.
            if (Libc.bind(fd, &me, (uint)sizeof(Libc.SockaddrIn)) != 0 || Libc.connect(fd, &to, (uint)sizeof(Libc.SockaddrIn)) != 0)
            {
                return null;
            }
            return Libc.GetSockOptInt(fd, Libc.SOL_IP, Libc.IP_MTU, out int mtu) == 0 && mtu > 0 ? mtu : null;
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }
}
