using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// A VXLAN tunnel port (RFC 7348) to one remote VTEP, through the host kernel's UDP stack (docs/TUNNELS.md says why).
/// Sending: each frame gets a VXLAN header with the port's VNI (or, with <c>key=flow</c>, its tun_id) and leaves as one
/// UDP datagram to the remote's (with <c>remote_ip=flow</c>, its tun_dst's)
/// <see cref="VxlanPortOptions.DstPort"/>, from one of the port's own sockets picked by the inner flow's hash (its outer
/// source port), batched with sendmmsg and segmentation offload (<see cref="VxlanSender"/>). Receiving: every port on
/// the same local address and UDP port shares one socket (<see cref="VxlanEndpoint"/>); the endpoint's first port
/// polls it and hands each packet to the port whose remote and VNI it carries, so only that port has a receive queue,
/// with the VNI and outer addresses as the packet's tunnel metadata (<see cref="PacketBuffer.Tunnel"/>).
/// Frames longer than the overlay MTU allows are dropped as <see cref="Core.Diagnostics.DropReason.TunnelTooBig"/>.
/// Threads: Receive, CompleteReceive and the wake-up members by the thread that polls the receive queue; Send by any
/// datapath thread, each on its own transmit queue (<see cref="VxlanPortOptions.TxQueues"/>: own scratch, own counters,
/// the shared sockets), so senders do not wait for each other; everything else by the control side.
/// </summary>
public sealed partial class VxlanPort : IPort, IRxWakeup, IDisposable
{
    /// <summary>The overlay MTU when the underlay's is unknown: a 1500-byte underlay less the 50 bytes of encapsulation.</summary>
    public const int DefaultMtu = 1500 - VxlanHeader.MtuOverhead;

    /// <summary>The largest overlay MTU: a frame of MTU + 14 + two VLAN tags still fits the switch's buffers (9,262).</summary>
    public const int MaxMtu = VxlanEndpoint.MaxInnerFrame - 18;

    private readonly VxlanEndpoints _endpoints;
    private readonly VxlanSender _sender;
    private readonly VxlanPortOptions _options;
    private readonly object _control = new();
    private VxlanEndpoint _endpoint = null!;
    private int _mtu;
    private int _maxFrame;
    private volatile bool _disposed;
    private long _superFrames;
    private long _coalescedSegments;
    private long _superFramesIpv6;

    private VxlanPort(PortId id, VxlanPortOptions options, VxlanSender sender, VxlanEndpoints endpoints, int mtu)
    {
        Id = id;
        Name = options.Name;
        _options = options;
        _sender = sender;
        _endpoints = endpoints;
        Stats = new PortStats(sender.Queues.Length);
        SetMtu(mtu);
    }

    /// <inheritdoc/>
    public PortId Id { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The remote VTEP (host order), or null for a flow-based remote.</summary>
    public uint? RemoteIp => _options.RemoteIp;

    /// <summary>The VNI, or null for a flow-based key.</summary>
    public uint? Vni => _options.Vni;

    /// <summary>The options the port was opened with.</summary>
    public VxlanPortOptions Options => _options;

    /// <summary>The overlay MTU in effect.</summary>
    public int Mtu => Volatile.Read(ref _mtu);

    /// <summary>1 while this port polls its endpoint's socket (it is the endpoint's first port), else 0.</summary>
    public int RxQueueCount => !_disposed && ReferenceEquals(_endpoint.Poller, this) ? 1 : 0;

    /// <inheritdoc/>
    public int TxQueueCount => _sender.Queues.Length;

    /// <summary>Up from opening to disposal: a tunnel has no link of its own (an unreachable remote shows as drops and in the status).</summary>
    public PortState State => _disposed ? PortState.Down : PortState.Up;

    /// <inheritdoc/>
    public PortStats Stats { get; }

    /// <summary>Opens the port's sockets and joins (or opens) the endpoint of its local address and UDP port.</summary>
    /// <exception cref="ArgumentException">An option is invalid, or another port on the endpoint receives the same packets.</exception>
    /// <exception cref="IOException">A socket cannot be opened or bound; the message says why.</exception>
    public static VxlanPort Open(VxlanPortOptions options, PortId id, VxlanEndpoints endpoints)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(options.Name);
        if (options.Vni is > VxlanHeader.MaxVni)
        {
            throw new ArgumentException($"key {options.Vni} is larger than 24 bits", nameof(options));
        }
        if (options.SourcePorts is < 1 or > VxlanPortOptions.MaxSourcePorts)
        {
            throw new ArgumentException($"source ports must be 1..{VxlanPortOptions.MaxSourcePorts}", nameof(options));
        }
        if (options.TxQueues is < 1 or > VxlanPortOptions.MaxTxQueues)
        {
            throw new ArgumentException($"transmit queues must be 1..{VxlanPortOptions.MaxTxQueues}", nameof(options));
        }
        if (options.DstPort == 0 || options.Ttl == 0)
        {
            throw new ArgumentException("the UDP port and the TTL must not be 0", nameof(options));
        }
        int mtu = options.Mtu ?? DefaultMtuFor(options);
        VxlanSender sender = VxlanSender.Open(options.LocalIp, options.RemoteIp, options.DstPort, options.Vni,
            options.SourcePorts, options.DontFragment, options.Ttl, options.TxQueues);
        var port = new VxlanPort(id, options, sender, endpoints, mtu);
        try
        {
            port._endpoint = endpoints.Join(port, options.LocalIp, options.DstPort);
        }
        catch
        {
            sender.Dispose();
            throw;
        }
        return port;
    }

    /// <summary>The underlay path MTU less 50 when the kernel knows a route to the remote, else <see cref="DefaultMtu"/>.</summary>
    private static int DefaultMtuFor(VxlanPortOptions options) =>
        options.RemoteIp is uint remote && Sockets.PathMtu(options.LocalIp, remote, options.DstPort) is int path
            && path - VxlanHeader.MtuOverhead >= 68
            ? path - VxlanHeader.MtuOverhead
            : DefaultMtu;

    /// <summary>Takes a new overlay MTU in place (control side). Frames up to MTU + 14 bytes (+4 per VLAN tag) are sent.</summary>
    public void SetMtu(int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68);
        Volatile.Write(ref _mtu, mtu);
        Volatile.Write(ref _maxFrame, mtu + 14);
    }

    /// <summary>A snapshot for port-status (control side).</summary>
    public VxlanPortStatus GetStatus()
    {
        lock (_control)
        {
            VxlanEndpoint endpoint = _endpoint;
            VxlanDemux demux = endpoint.Demux;
            int? pathMtu = _options.RemoteIp is uint remote && !_disposed ? Sockets.PathMtu(_options.LocalIp, remote, _options.DstPort) : null;
            return new VxlanPortStatus(State, _options, Mtu, pathMtu, _sender.SourcePorts, _sender.Gso, endpoint.Gro,
                [.. demux.Members.Select(p => p.Name)], endpoint.Poller?.Name, endpoint.Datagrams, endpoint.ReceiveErrors,
                Coalesce && endpoint.SuperFramePool is not null, Volatile.Read(ref _superFrames), Volatile.Read(ref _coalescedSegments),
                Volatile.Read(ref _superFramesIpv6),
                _sender.LastError);
        }
    }

    /// <summary>True when runs of inner TCP segments received for this port are coalesced (<see cref="VxlanPortOptions.Coalesce"/>).</summary>
    public bool Coalesce => _options.Coalesce;

    /// <summary>Counts one super-frame built of <paramref name="segments"/> segments, IPv6 or not (the endpoint's poller thread only).</summary>
    internal void CountCoalesced(int segments, bool ipv6)
    {
        Volatile.Write(ref _superFrames, _superFrames + 1);
        Volatile.Write(ref _coalescedSegments, _coalescedSegments + segments);
        if (ipv6)
        {
            Volatile.Write(ref _superFramesIpv6, _superFramesIpv6 + 1);
        }
    }

    /// <summary>The pool coalesced super-frames are handed out in, or null without UDP_GRO (for leak checks in tests).</summary>
    public PacketPool? RxSuperFramePool => _endpoint.SuperFramePool;

    /// <summary>The pool received packets are handed out in (shared by the endpoint's ports; for leak checks in tests).</summary>
    public PacketPool RxPool => _endpoint.Pool;

    /// <summary>
    /// Leaves the endpoint (closing its socket when this was the last port) and closes the port's sockets. Call only
    /// after the datapath stopped using the port. Idempotent.
    /// </summary>
    public void Dispose()
    {
        lock (_control)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _endpoints.Leave(this, _endpoint);
            _sender.Dispose();
        }
    }
}
