namespace VSwitch.Core.Diagnostics;

/// <summary>
/// Why a packet was discarded (OVS <c>COVERAGE_INC(datapath_drop_*)</c>). Every discard increments
/// exactly one of these. Append new reasons at the end, before <see cref="Count"/>; users see the names.
/// </summary>
public enum DropReason
{
    /// <summary>
    /// Frame shorter than an Ethernet header: received from a peer, or (on a tap, which checks) handed to a port to send.
    /// </summary>
    RxRunt,

    /// <summary>The guest's descriptor chain was malformed (loop, too long, bad indirect table, bad flags).</summary>
    RxChainInvalid,

    /// <summary>A descriptor pointed outside guest memory.</summary>
    GuestAddressUnmapped,

    /// <summary>The guest had no free receive buffers for a packet sent to it.</summary>
    TxNoGuestBuffer,

    /// <summary>The packet is larger than the destination can take.</summary>
    PacketTooLarge,

    /// <summary>No packet buffer was free in the pool.</summary>
    PoolExhausted,

    /// <summary>The port or queue is not running (peer absent, ring stopped or disabled).</summary>
    PortDown,

    /// <summary>The queue was marked broken after hostile input and is no longer serviced.</summary>
    QueueBroken,

    /// <summary>A flow table had no flow for the packet and no table-miss flow (OpenFlow 1.3 drops such packets).</summary>
    NoRule,

    /// <summary>A flow's action list said drop (or was empty).</summary>
    FlowDrop,

    /// <summary>The output was the ingress port (<c>output:</c> to the input port, or a learnt destination behind it).</summary>
    SameAsIngress,

    /// <summary>The frame's VLAN is not allowed on the port (access/trunk mismatch).</summary>
    VlanNotAllowed,

    /// <summary>The output port does not exist (deleted, or a flow names a missing port).</summary>
    NoSuchPort,

    /// <summary>A capture ring was full, so the frame was not captured (the frame itself was forwarded).</summary>
    CaptureRingFull,

    /// <summary>The frame's headers were malformed in a way that stopped processing.</summary>
    Malformed,

    /// <summary>A pcap port's recording ring was full (its file writer lagged behind), so the frame was not recorded.</summary>
    PcapRingFull,

    /// <summary>The port's device refused to transmit the frame (e.g. the kernel rejected a frame injected through libpcap).</summary>
    TxDeviceError,
    /// <summary>The kernel's transmit queue of the port was full (a tap write failed with EAGAIN or ENOBUFS).</summary>
    TxQueueFull,

    /// <summary>A received frame carried checksum or segmentation offload metadata that the port did not enable.</summary>
    RxOffloadUnexpected,

    /// <summary>
    /// A flood (NORMAL's unknown or broadcast destination, <c>flood</c>, <c>all</c>) found no port to send to: every other port
    /// is no-flood or does not carry the VLAN, or there is no other port.
    /// </summary>
    NoFloodTarget,

    /// <summary>
    /// A virtio-net header (from a guest's transmit chain or a tap's read) that cannot describe the frame behind it: an
    /// unknown flag or gso_type, a checksum position outside the frame, a super-frame with gso_size 0.
    /// </summary>
    OffloadHeaderInvalid,

    /// <summary>
    /// A super-frame that had to be cut into segments in software (its destination does not take it whole) is not the
    /// TCP packet its offload metadata says: another protocol, an IP fragment or extension header, headers or options
    /// overrunning the frame, IP lengths beyond it, or a segment size too small to be real.
    /// </summary>
    OffloadSegmentationFailed,

    /// <summary>
    /// A frame still asked for checksum or segmentation work that the receiving guest did not accept (its driver lacks
    /// GUEST_CSUM or the matching GUEST_TSO4/6/ECN feature): the datapath should have finished it in software, and a
    /// header the driver never negotiated must not reach it.
    /// </summary>
    TxOffloadRefused,

    /// <summary>A <c>dec_ttl</c> found an IP TTL (or hop limit) of 0 or 1.</summary>
    TtlExpired,

    /// <summary>
    /// The packet's way through the flow tables needed more datapath ops or counters than one translated flow may hold
    /// (a pipeline too long or too wide to cache).
    /// </summary>
    FlowTooComplex,

    /// <summary>A copy for the controllers (PACKET_IN) found the datapath thread's packet-in queue full.</summary>
    PacketInQueueFull,
    /// <summary>A tunnel datagram too short for its tunnel header and an inner Ethernet header.</summary>
    TunnelTruncated,

    /// <summary>A tunnel header with flags or reserved bits this switch does not accept (e.g. VXLAN without the I flag, or an extension).</summary>
    TunnelBadHeader,

    /// <summary>A tunnel packet from a known remote (or to a flow-based remote) whose VNI no tunnel port accepts.</summary>
    TunnelBadVni,

    /// <summary>A tunnel packet from a source address no tunnel port has as its remote.</summary>
    TunnelUnknownRemote,

    /// <summary>
    /// A frame too big for the tunnel: to send, longer than the tunnel's overlay MTU allows or, with don't-fragment, than
    /// the underlay's path MTU; received, an inner frame longer than the switch's largest buffer.
    /// </summary>
    TunnelTooBig,

    /// <summary>A tunnel datagram that arrived in IP fragments (RFC 7348 §4.3 lets the receiver discard them).</summary>
    TunnelFragment,

    /// <summary>
    /// NORMAL would have sent the frame from one port of a split-horizon group to another (from one tunnel into another):
    /// in a full mesh every host hears a frame straight from its source, so tunnels never relay between each other.
    /// </summary>
    SplitHorizon,

    /// <summary>
    /// A packet sent to a tunnel port whose remote is flow-based (<c>remote_ip=flow</c>) without a tunnel destination in
    /// its metadata (no <c>set_field:IP-&gt;tun_dst</c> on its way there).
    /// </summary>
    TunnelNoRemote,

    /// <summary>Number of reasons (not a reason).</summary>
    Count,
}
