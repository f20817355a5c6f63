using System.Runtime.InteropServices;
using VSwitch.Core.Packets;
using VSwitch.Native;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The receive side shared by every VXLAN port on one local address and UDP port: one non-blocking UDP socket with
/// <c>UDP_GRO</c>, <c>IP_PKTINFO</c> and <c>IP_RECVFRAGSIZE</c>, a set of 64 KiB receive slots (each takes one datagram
/// or one coalesced run of datagrams), the pool whose buffers carry the inner frames, an epoll fd that is readable
/// while the socket is (the wake fd), and the <see cref="VxlanDemux"/> that maps a packet's source and VNI to its port.
/// Design note: only the endpoint's <see cref="Poller"/> (its first port) has a receive queue, so one datapath thread
/// reads the socket and hands each packet to the port it belongs to by setting the packet's in-port; a packet's frame is
/// lent from the slot it arrived in (no copy) until the datapath completes the batch. The receive loop is in
/// <c>VxlanEndpoint.Receive.cs</c>. Threads: <see cref="Join"/>, <see cref="Leave"/> and disposal on the control side
/// (serialised by <see cref="VxlanEndpoints"/>); the receive state by the thread polling the poller's queue. A port
/// leaves only after the datapath quiesced without it, so a new poller never reads the socket while the old one does.
/// </summary>
internal sealed unsafe partial class VxlanEndpoint : IDisposable
{
    /// <summary>Bytes per receive slot: the largest UDP payload, coalesced or not.</summary>
    public const int SlotSize = 65536;

    /// <summary>Control message space per slot: UDP_GRO (int), IP_PKTINFO (12 bytes), IP_RECVFRAGSIZE (int), with room to spare.</summary>
    private const int ControlSize = 128;

    /// <summary>Buffers of the receive pool. A batch holds at most 32, and every one is freed before the next poll.</summary>
    private const int PoolSize = 256;

    /// <summary>
    /// Buffers of the super-frame pool (one per coalesced run; a batch holds at most 32, freed before the next poll),
    /// about 4 MiB in all.
    /// </summary>
    private const int SuperFramePoolSize = 64;

    /// <summary>Data room of a super-frame buffer: the largest IPv4 packet (64 KiB) behind an Ethernet header, rounded up.</summary>
    public const int MaxSuperFrame = 65536 + 64;

    private readonly byte* _native;
    private readonly byte* _slots;
    private readonly Libc.SockaddrIn* _names;
    private readonly byte* _controls;
    private readonly Libc.IoVec* _iovs;
    private readonly Libc.MMsgHdr* _msgs;
    private readonly int _slotCount;
    private int _fd;
    private VxlanDemux _demux = VxlanDemux.Empty;
    private bool _disposed;

    private VxlanEndpoint(uint localIp, ushort port, int fd, int epollFd, bool gro, int slotCount)
    {
        LocalIp = localIp;
        Port = port;
        _fd = fd;
        EpollFd = epollFd;
        Gro = gro;
        _slotCount = slotCount;
        nuint slotBytes = (nuint)slotCount * SlotSize;
        nuint total = slotBytes + (nuint)(slotCount * (sizeof(Libc.SockaddrIn) + ControlSize + sizeof(Libc.IoVec) + sizeof(Libc.MMsgHdr)));
        _native = (byte*)NativeMemory.AlignedAlloc(total, 64);
        NativeMemory.Clear(_native, total);
        _slots = _native;
        _names = (Libc.SockaddrIn*)(_native + slotBytes);
        _controls = (byte*)(_names + slotCount);
        _iovs = (Libc.IoVec*)(_controls + (slotCount * ControlSize));
        _msgs = (Libc.MMsgHdr*)(_iovs + slotCount);
        for (int i = 0; i < slotCount; i++)
        {
            _iovs[i].Base = _slots + ((nint)i * SlotSize);
            _iovs[i].Length = SlotSize;
            _msgs[i].Hdr.Name = _names + i;
            _msgs[i].Hdr.Iov = _iovs + i;
            _msgs[i].Hdr.IovLength = 1;
            _msgs[i].Hdr.Control = _controls + (i * ControlSize);
        }
        Pool = new PacketPool(PoolSize);
        SuperFramePool = gro ? new PacketPool(SuperFramePoolSize, MaxSuperFrame) : null;
    }

    /// <summary>The local address the socket is bound to (host order; 0 for any).</summary>
    public uint LocalIp { get; }

    /// <summary>The UDP port the socket is bound to.</summary>
    public ushort Port { get; }

    /// <summary>Readable while the socket has a datagram; -1 if epoll was unavailable.</summary>
    public int EpollFd { get; private set; }

    /// <summary>True when the kernel accepted <c>UDP_GRO</c>: runs of datagrams arrive coalesced.</summary>
    public bool Gro { get; }

    /// <summary>The buffers inner frames are handed out in (each lends its frame from a receive slot).</summary>
    public PacketPool Pool { get; }

    /// <summary>
    /// The buffers coalesced TCP runs are built in (owned, so actions may edit them); null without <c>UDP_GRO</c>, when
    /// nothing arrives coalesced.
    /// </summary>
    public PacketPool? SuperFramePool { get; }

    /// <summary>The ports and their lookup table (replaced as a whole when a port joins or leaves).</summary>
    public VxlanDemux Demux => Volatile.Read(ref _demux);

    /// <summary>The port whose receive queue reads the socket: the first port that joined and is still there; null when none.</summary>
    public VxlanPort? Poller
    {
        get
        {
            IReadOnlyList<VxlanPort> members = Volatile.Read(ref _demux).Members;
            return members.Count > 0 ? members[0] : null;
        }
    }

    /// <summary>Datagrams the socket delivered (a coalesced run counts once).</summary>
    public long Datagrams { get; private set; }

    /// <summary>Receive calls that failed with an error other than "nothing to read".</summary>
    public long ReceiveErrors { get; private set; }

    /// <summary>Opens the socket on <paramref name="localIp"/>:<paramref name="port"/>.</summary>
    /// <exception cref="IOException">The socket cannot be opened or bound; the message says why.</exception>
    public static VxlanEndpoint Open(uint localIp, ushort port, int slotCount)
    {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_UDP);
        if (fd < 0)
        {
            throw new IOException($"cannot open a UDP socket: {Libc.Describe(Libc.Errno)}");
        }
        int epollFd = -1;
        try
        {
            // Several endpoints may share a port on different local addresses (and one on any address).
            _ = Libc.SetSockOptInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            if (Libc.SetSockOptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, 8 << 20) != 0)
            {
                _ = Libc.SetSockOptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, 8 << 20);
            }
            _ = Libc.SetSockOptInt(fd, Libc.SOL_IP, Libc.IP_PKTINFO, 1);
            _ = Libc.SetSockOptInt(fd, Libc.SOL_IP, Libc.IP_RECVFRAGSIZE, 1);
            bool gro = Libc.SetSockOptInt(fd, Libc.SOL_UDP, Libc.UDP_GRO, 1) == 0;
            var address = Sockets.Address(localIp, port);
            // SAFETY: address lives on this stack frame for the call.
            if (Libc.bind(fd, &address, (uint)sizeof(Libc.SockaddrIn)) != 0)
            {
                int errno = Libc.Errno;
                string where = $"{VxlanPortOptions.FormatIpv4(localIp)}:{port}";
                throw new IOException(errno switch
                {
                    Libc.EADDRINUSE => $"UDP {where} is already in use (a kernel vxlan device or another program listens there)",
                    Libc.EADDRNOTAVAIL => $"local address {VxlanPortOptions.FormatIpv4(localIp)} is not an address of this host",
                    _ => $"cannot bind UDP {where}: {Libc.Describe(errno)}",
                });
            }
            epollFd = Epoll.WatchReadable(fd);
            return new VxlanEndpoint(localIp, port, fd, epollFd, gro, slotCount);
        }
        catch
        {
            if (epollFd >= 0)
            {
                _ = Libc.close(epollFd);
            }
            _ = Libc.close(fd);
            throw;
        }
    }

    /// <summary>Adds <paramref name="port"/> to the table (control side).</summary>
    /// <exception cref="ArgumentException">Another port already receives the same packets.</exception>
    public void Join(VxlanPort port)
    {
        var members = new List<VxlanPort>(Demux.Members) { port };
        Volatile.Write(ref _demux, new VxlanDemux(members));
    }

    /// <summary>Removes <paramref name="port"/> (control side, after the datapath quiesced without it); returns the ports left.</summary>
    public int Leave(VxlanPort port)
    {
        var members = new List<VxlanPort>(Demux.Members);
        members.Remove(port);
        Volatile.Write(ref _demux, new VxlanDemux(members));
        return members.Count;
    }

    /// <summary>Closes the socket and frees the slots. Only once no port is left and the datapath no longer polls it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (EpollFd >= 0)
        {
            _ = Libc.close(EpollFd);
            EpollFd = -1;
        }
        if (fd >= 0)
        {
            _ = Libc.close(fd);
        }
        NativeMemory.AlignedFree(_native);
    }
}
