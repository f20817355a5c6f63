using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VSwitch.Core.Packets;
using VSwitch.Native;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The transmit side of one VXLAN port: <see cref="SocketCount"/> non-blocking UDP sockets, each bound to its own
/// ephemeral source port (the kernel picks free ones) on the port's local address, with the port's TTL and
/// don't-fragment setting; and native scratch for one batch: a VXLAN header per packet, two iovecs per packet, the
/// messages and their <c>UDP_SEGMENT</c> control messages. A packet's socket, and so its outer source port, is chosen
/// from <see cref="InnerFlowHash"/> (RFC 7348 §5). The send loop is in <c>VxlanSender.Send.cs</c>. Threads: the
/// scratch is used only while <see cref="Busy"/> is held (one datapath thread per batch); setup and disposal on the
/// control side.
/// </summary>
internal sealed unsafe partial class VxlanSender : IDisposable
{
    /// <summary>Most datagrams one <c>UDP_SEGMENT</c> send may carry (the kernel's UDP_MAX_SEGMENTS is 64 or more).</summary>
    public const int MaxGsoSegments = 64;

    /// <summary>Largest UDP payload of one segmented send (65,535 less the IPv4 and UDP headers).</summary>
    public const int MaxGsoBytes = 65535 - 28;

    private const int Capacity = PacketBatch.Capacity;
    private const int ControlSpace = 24;

    private readonly int[] _fds;
    private readonly byte* _native;
    private readonly byte* _headers;
    private readonly Libc.IoVec* _iovs;
    private readonly Libc.MMsgHdr* _msgs;
    private readonly Libc.MMsgHdr* _singles;
    private readonly byte* _controls;
    private readonly Libc.SockaddrIn* _remote;
    private readonly Libc.SockaddrIn* _flowRemotes;
    private readonly ushort _dstPort;
    private readonly bool _flowRemote;
    private readonly bool _flowKey;
    private bool _disposed;

    private VxlanSender(int[] fds, ushort[] sourcePorts, uint? remoteIp, ushort dstPort, uint? vni, bool gso)
    {
        _fds = fds;
        SourcePorts = sourcePorts;
        Gso = gso;
        _dstPort = dstPort;
        _flowRemote = remoteIp is null;
        _flowKey = vni is null;
        nuint total = (nuint)((Capacity * VxlanHeader.Size) + (2 * Capacity * sizeof(Libc.IoVec)) + (2 * Capacity * sizeof(Libc.MMsgHdr))
            + (Capacity * ControlSpace) + ((Capacity + 1) * sizeof(Libc.SockaddrIn)));
        _native = (byte*)NativeMemory.AlignedAlloc(total, 64);
        NativeMemory.Clear(_native, total);
        _headers = _native;
        _iovs = (Libc.IoVec*)(_headers + (Capacity * VxlanHeader.Size));
        _msgs = (Libc.MMsgHdr*)(_iovs + (2 * Capacity));
        _singles = _msgs + Capacity;
        _controls = (byte*)(_singles + Capacity);
        _remote = (Libc.SockaddrIn*)(_controls + (Capacity * ControlSpace));
        _flowRemotes = _remote + 1;
        *_remote = Sockets.Address(remoteIp ?? 0, dstPort);
        for (int i = 0; i < Capacity; i++)
        {
            VxlanHeader.Write(new Span<byte>(_headers + (i * VxlanHeader.Size), VxlanHeader.Size), vni ?? 0);
            _iovs[2 * i].Base = _headers + (i * VxlanHeader.Size);
            _iovs[2 * i].Length = VxlanHeader.Size;
            var control = (Libc.CmsgHdr*)(_controls + (i * ControlSpace));
            control->Length = (nuint)Libc.CmsgLen(sizeof(ushort));
            control->Level = Libc.SOL_UDP;
            control->Type = Libc.UDP_SEGMENT;
        }
    }

    /// <summary>Number of sockets, so of distinct outer source ports.</summary>
    public int SocketCount => _fds.Length;

    /// <summary>The outer UDP source port of each socket.</summary>
    public IReadOnlyList<ushort> SourcePorts { get; }

    /// <summary>True while runs of equal-size frames are sent with <c>UDP_SEGMENT</c>; turned off for good when the route refuses it.</summary>
    public bool Gso { get; private set; }

    /// <summary>Spin flag serialising senders (0 free, 1 taken).</summary>
    public int Busy;

    /// <summary>
    /// Opens <paramref name="count"/> sockets on <paramref name="localIp"/> (0: any) sending to
    /// <paramref name="remoteIp"/>:<paramref name="dstPort"/> with <paramref name="vni"/>. A null remote or VNI is
    /// flow-based: each packet's tunnel metadata gives it (<see cref="PacketBuffer.Tunnel"/>).
    /// </summary>
    /// <exception cref="IOException">A socket cannot be opened, configured or bound; the message says why.</exception>
    public static VxlanSender Open(uint localIp, uint? remoteIp, ushort dstPort, uint? vni, int count, bool dontFragment, byte ttl)
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
            return new VxlanSender([.. fds], ports, remoteIp, dstPort, vni, gso);
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

    /// <summary>Closes the sockets and frees the scratch. Only after the datapath stopped sending to the port.</summary>
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
        NativeMemory.AlignedFree(_native);
    }
}
