using VSwitch.Core.Ports;

namespace VSwitch.Ports.Vxlan;

/// <summary>What port-status shows of a VXLAN port. Immutable.</summary>
/// <param name="State">Up while open.</param>
/// <param name="Options">What the port was opened with.</param>
/// <param name="Mtu">The overlay MTU in effect.</param>
/// <param name="PathMtu">The MTU of the route to the remote as the kernel knows it now, or null (no route, or a flow-based remote).</param>
/// <param name="SourcePorts">The outer UDP source ports the port sends from.</param>
/// <param name="Gso">Runs of equal-size frames go out with UDP segmentation offload.</param>
/// <param name="Gro">The shared socket receives coalesced runs (UDP_GRO).</param>
/// <param name="EndpointPorts">Every port sharing the receive socket, in the order they joined.</param>
/// <param name="Poller">The port whose receive queue reads the shared socket.</param>
/// <param name="Datagrams">Datagrams (or coalesced runs) the shared socket delivered.</param>
/// <param name="ReceiveErrors">Failed reads of the shared socket.</param>
/// <param name="Coalesce">Inner TCP runs are put back together into super-frames (on when the port's option is and the socket has UDP_GRO).</param>
/// <param name="SuperFramesBuilt">Super-frames built for this port from coalesced inner TCP segments.</param>
/// <param name="SegmentsCoalesced">Inner TCP segments that went into them.</param>
/// <param name="SuperFramesBuiltIpv6">Those of the super-frames that carry IPv6 (TCPv6 GSO).</param>
/// <param name="LastError">Why the last send failed in an unexpected way, or null.</param>
public sealed record VxlanPortStatus(PortState State, VxlanPortOptions Options, int Mtu, int? PathMtu, IReadOnlyList<ushort> SourcePorts,
    bool Gso, bool Gro, IReadOnlyList<string> EndpointPorts, string? Poller, long Datagrams, long ReceiveErrors,
    bool Coalesce, long SuperFramesBuilt, long SegmentsCoalesced, long SuperFramesBuiltIpv6, string? LastError);
