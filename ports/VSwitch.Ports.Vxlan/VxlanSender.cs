using System.Buffers.Binary;
using VSwitch.Core.Packets;
using VSwitch.Native;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The transmit side of one VXLAN port: <see cref="SocketCount"/> non-blocking UDP sockets, each bound to its own
/// ephemeral source port (the kernel picks free ones) on the port's local address, with the port's TTL and
/// don't-fragment setting, and one <see cref="VxlanTxQueue"/> per transmit queue with the scratch a batch is built in.
/// A packet's socket, and so its outer source port, is chosen from <see cref="InnerFlowHash"/> (RFC 7348 §5).
/// Design note: the queues share the sockets rather than each having its own. A flow's outer source port is what the
/// underlay hashes for ECMP and the remote for RSS; if it depended on the sending thread, one flow sent by two threads
/// (flooded from two inputs, or a packet-out) could take two paths and arrive reordered, and the port-status list of
/// source ports would grow with the thread count. Sharing is safe in the kernel: a UDP socket that is not corked
/// (no <c>UDP_CORK</c>, no <c>MSG_MORE</c>; we use neither) builds each datagram, or each <c>UDP_SEGMENT</c> run, whole
/// in one <c>sendmsg</c> without holding the socket lock (Linux net/ipv4/udp.c, <c>udp_sendmsg</c>'s lockless path), and
/// <c>sendmmsg</c> is a loop of those, so datagrams of two threads interleave but never mix. Separate sockets would need
/// nothing like <c>SO_REUSEPORT</c> either (these sockets only send; receiving is the endpoint's socket on the
/// destination port), so the choice is about the flow-to-source-port mapping, not about binding.
/// Threads: a queue's scratch by the sender that holds its lock; <see cref="Gso"/> and the last error by any of them
/// (single words, last writer wins); setup and disposal on the control side.
/// </summary>
internal sealed unsafe class VxlanSender : IDisposable
{
    /// <summary>Most datagrams one <c>UDP_SEGMENT</c> send may carry (the kernel's UDP_MAX_SEGMENTS is 64 or more).</summary>
    public const int MaxGsoSegments = 64;

    /// <summary>Largest UDP payload of one segmented send (65,535 less the IPv4 and UDP headers).</summary>
    public const int MaxGsoBytes = 65535 - 28;

    private readonly int[] _fds;
    private readonly VxlanTxQueue[] _queues;
    private volatile bool _gso;
    private volatile string? _lastError;
    private int _lastErrno;
    private bool _disposed;

    private VxlanSender(int[] fds, ushort[] sourcePorts, uint? remoteIp, ushort dstPort, uint? vni, bool gso, int queues)
    {
        _fds = fds;
        SourcePorts = sourcePorts;
        _gso = gso;
        _queues = new VxlanTxQueue[queues];
        for (int i = 0; i < queues; i++)
        {
            _queues[i] = new VxlanTxQueue(this, fds, remoteIp, dstPort, vni);
        }
    }

    /// <summary>Number of sockets, so of distinct outer source ports.</summary>
    public int SocketCount => _fds.Length;

    /// <summary>The outer UDP source port of each socket.</summary>
    public IReadOnlyList<ushort> SourcePorts { get; }

    /// <summary>True while runs of equal-size frames are sent with <c>UDP_SEGMENT</c>; turned off for good (on every queue) when the route refuses it.</summary>
    public bool Gso => _gso;

    /// <summary>The transmit queues, each with its own scratch and lock.</summary>
    public ReadOnlySpan<VxlanTxQueue> Queues => _queues;

    /// <summary>Why the last send failed in a way that is not a plain drop (for port-status), or null.</summary>
    public string? LastError => _lastError;

    /// <summary>The errno of the last send that failed for an unexpected reason, or 0.</summary>
    public int LastErrno => Volatile.Read(ref _lastErrno);

    /// <summary>The route refused a segmented send: every queue sends datagram by datagram from now on.</summary>
    internal void RefuseGso()
    {
        _gso = false;
        _lastError = "the route to the remote refused UDP segmentation offload; sending datagram by datagram";
    }

    /// <summary>Records why a send failed (<paramref name="errno"/> 0: keep the last errno).</summary>
    internal void Report(string error, int errno)
    {
        if (errno != 0)
        {
            Volatile.Write(ref _lastErrno, errno);
        }
        _lastError = error;
    }

    /// <summary>
    /// Opens <paramref name="count"/> sockets on <paramref name="localIp"/> (0: any) sending to
    /// <paramref name="remoteIp"/>:<paramref name="dstPort"/> with <paramref name="vni"/>. A null remote or VNI is
    /// flow-based: each packet's tunnel metadata gives it (<see cref="PacketBuffer.Tunnel"/>). Allocates the scratch of
    /// <paramref name="queues"/> transmit queues.
    /// </summary>
    /// <exception cref="IOException">A socket cannot be opened, configured or bound; the message says why.</exception>
    public static VxlanSender Open(uint localIp, uint? remoteIp, ushort dstPort, uint? vni, int count, bool dontFragment, byte ttl, int queues)
    {
        var fds = new List<int>(count);
        var ports = new ushort[count];
        try
        {
            bool gso = true;
            for (int i = 0; i < count; i++)
            {
                int fd = OpenSocket(localIp, dontFragment, ttl, out ports[i]);
                fds.Add(fd);
                gso &= ProbeGso(fd);
            }
            return new VxlanSender([.. fds], ports, remoteIp, dstPort, vni, gso, queues);
        }
        catch
        {
            foreach (int fd in fds)
            {
                _ = Libc.close(fd);
            }
            throw;
        }
    }

    private static int OpenSocket(uint localIp, bool dontFragment, byte ttl, out ushort sourcePort)
    {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_UDP);
        if (fd < 0)
        {
            throw new IOException($"cannot open a UDP socket: {Libc.Describe(Libc.Errno)}");
        }
        try
        {
            int rc = Libc.SetSockOptInt(fd, Libc.SOL_IP, Libc.IP_MTU_DISCOVER, dontFragment ? Libc.IP_PMTUDISC_DO : Libc.IP_PMTUDISC_DONT);
            rc = rc != 0 ? rc : Libc.SetSockOptInt(fd, Libc.SOL_IP, Libc.IP_TTL, ttl);
            if (rc != 0)
            {
                throw new IOException($"cannot set don't-fragment or TTL on a UDP socket: {Libc.Describe(rc)}");
            }
            if (Libc.SetSockOptInt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, 4 << 20) != 0)
            {
                _ = Libc.SetSockOptInt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, 4 << 20);
            }
            var me = Sockets.Address(localIp, 0);
            var bound = default(Libc.SockaddrIn);
            uint len = (uint)sizeof(Libc.SockaddrIn);
            // SAFETY: me, bound and len live on this stack frame for the calls.
            if (Libc.bind(fd, &me, len) != 0)
            {
                int errno = Libc.Errno;
                throw new IOException(errno == Libc.EADDRNOTAVAIL
                    ? $"local address {VxlanPortOptions.FormatIpv4(localIp)} is not an address of this host"
                    : $"cannot bind a UDP socket to {VxlanPortOptions.FormatIpv4(localIp)}: {Libc.Describe(errno)}");
            }
            if (Libc.getsockname(fd, &bound, &len) != 0)
            {
                throw new IOException($"cannot read a UDP socket's port: {Libc.Describe(Libc.Errno)}");
            }
            sourcePort = BinaryPrimitives.ReverseEndianness(bound.PortBe);
            return fd;
        }
        catch
        {
            _ = Libc.close(fd);
            throw;
        }
    }

    /// <summary>True when the kernel knows <c>UDP_SEGMENT</c> (Linux 4.18 and later); leaves the socket's default at 0.</summary>
    private static bool ProbeGso(int fd) =>
        Libc.SetSockOptInt(fd, Libc.SOL_UDP, Libc.UDP_SEGMENT, 1400) == 0 && Libc.SetSockOptInt(fd, Libc.SOL_UDP, Libc.UDP_SEGMENT, 0) == 0;

    /// <summary>Closes the sockets and frees every queue's scratch. Only after the datapath stopped sending to the port.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        for (int i = 0; i < _fds.Length; i++)
        {
            _ = Libc.close(_fds[i]);
            _fds[i] = -1;
        }
        foreach (VxlanTxQueue queue in _queues)
        {
            queue.Dispose();
        }
    }
}
