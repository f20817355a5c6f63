namespace VSwitch.Virtio.Net;

/// <summary>
/// Feature bits of a virtio-net device (VIRTIO 1.2 §5.1.3 and the reserved bits of §6), plus the two
/// bits vhost gives a meaning (<see cref="LogAll"/>, <see cref="ProtocolFeatures"/>). Names follow the spec
/// without the <c>VIRTIO_NET_F_</c> / <c>VIRTIO_F_</c> prefix.
/// </summary>
[Flags]
public enum VirtioNetFeatures : ulong
{
    /// <summary>No features.</summary>
    None = 0,

    /// <summary>VIRTIO_NET_F_CSUM: device handles packets with partial checksum.</summary>
    Csum = 1UL << 0,

    /// <summary>VIRTIO_NET_F_GUEST_CSUM: driver handles packets with partial checksum.</summary>
    GuestCsum = 1UL << 1,

    /// <summary>VIRTIO_NET_F_CTRL_GUEST_OFFLOADS: control channel offloads reconfiguration.</summary>
    CtrlGuestOffloads = 1UL << 2,

    /// <summary>VIRTIO_NET_F_MTU: device reports its maximum MTU.</summary>
    Mtu = 1UL << 3,

    /// <summary>VIRTIO_NET_F_MAC: device has a given MAC address.</summary>
    Mac = 1UL << 5,

    /// <summary>VIRTIO_NET_F_GUEST_TSO4: driver can receive TSOv4.</summary>
    GuestTso4 = 1UL << 7,

    /// <summary>VIRTIO_NET_F_GUEST_TSO6: driver can receive TSOv6.</summary>
    GuestTso6 = 1UL << 8,

    /// <summary>VIRTIO_NET_F_GUEST_ECN: driver can receive TSO with ECN.</summary>
    GuestEcn = 1UL << 9,

    /// <summary>VIRTIO_NET_F_GUEST_UFO: driver can receive UFO.</summary>
    GuestUfo = 1UL << 10,

    /// <summary>VIRTIO_NET_F_HOST_TSO4: device can receive TSOv4.</summary>
    HostTso4 = 1UL << 11,

    /// <summary>VIRTIO_NET_F_HOST_TSO6: device can receive TSOv6.</summary>
    HostTso6 = 1UL << 12,

    /// <summary>VIRTIO_NET_F_HOST_ECN: device can receive TSO with ECN.</summary>
    HostEcn = 1UL << 13,

    /// <summary>VIRTIO_NET_F_HOST_UFO: device can receive UFO.</summary>
    HostUfo = 1UL << 14,

    /// <summary>VIRTIO_NET_F_MRG_RXBUF: driver can merge receive buffers (num_buffers in the header).</summary>
    MrgRxbuf = 1UL << 15,

    /// <summary>VIRTIO_NET_F_STATUS: configuration status field is available.</summary>
    Status = 1UL << 16,

    /// <summary>VIRTIO_NET_F_CTRL_VQ: control channel is available.</summary>
    CtrlVq = 1UL << 17,

    /// <summary>VIRTIO_NET_F_CTRL_RX: control channel RX mode support.</summary>
    CtrlRx = 1UL << 18,

    /// <summary>VIRTIO_NET_F_CTRL_VLAN: control channel VLAN filtering.</summary>
    CtrlVlan = 1UL << 19,

    /// <summary>VIRTIO_NET_F_CTRL_RX_EXTRA: extra RX mode control support.</summary>
    CtrlRxExtra = 1UL << 20,

    /// <summary>VIRTIO_NET_F_GUEST_ANNOUNCE: driver can send gratuitous packets.</summary>
    GuestAnnounce = 1UL << 21,

    /// <summary>VIRTIO_NET_F_MQ: device supports multiqueue with automatic receive steering.</summary>
    Mq = 1UL << 22,

    /// <summary>VIRTIO_NET_F_CTRL_MAC_ADDR: set MAC address through the control channel.</summary>
    CtrlMacAddr = 1UL << 23,

    /// <summary>VIRTIO_F_NOTIFY_ON_EMPTY (legacy): notify when the avail ring runs empty.</summary>
    NotifyOnEmpty = 1UL << 24,

    /// <summary>VHOST_F_LOG_ALL: the backend logs every write to guest memory (live migration).</summary>
    LogAll = 1UL << 26,

    /// <summary>VIRTIO_F_ANY_LAYOUT (legacy): no framing assumptions about descriptor layout.</summary>
    AnyLayout = 1UL << 27,

    /// <summary>VIRTIO_F_INDIRECT_DESC: driver may use indirect descriptor tables.</summary>
    IndirectDesc = 1UL << 28,

    /// <summary>VIRTIO_F_EVENT_IDX: used_event / avail_event notification suppression.</summary>
    EventIdx = 1UL << 29,

    /// <summary>VHOST_USER_F_PROTOCOL_FEATURES: vhost-user protocol feature negotiation.</summary>
    ProtocolFeatures = 1UL << 30,

    /// <summary>VIRTIO_F_VERSION_1: modern (non-legacy) device.</summary>
    Version1 = 1UL << 32,

    /// <summary>VIRTIO_F_ACCESS_PLATFORM: device accesses memory through a platform IOMMU.</summary>
    AccessPlatform = 1UL << 33,

    /// <summary>VIRTIO_F_RING_PACKED: packed virtqueue layout.</summary>
    RingPacked = 1UL << 34,

    /// <summary>VIRTIO_F_IN_ORDER: buffers are used in the order they were made available.</summary>
    InOrder = 1UL << 35,

    /// <summary>VIRTIO_F_ORDER_PLATFORM: memory accesses are ordered as the platform requires.</summary>
    OrderPlatform = 1UL << 36,

    /// <summary>VIRTIO_F_SR_IOV: single root I/O virtualization.</summary>
    SrIov = 1UL << 37,

    /// <summary>VIRTIO_F_NOTIFICATION_DATA: driver passes extra data in notifications.</summary>
    NotificationData = 1UL << 38,

    /// <summary>VIRTIO_F_RING_RESET: individual virtqueues can be reset.</summary>
    RingReset = 1UL << 40,

    /// <summary>VIRTIO_NET_F_GUEST_USO4: driver can receive USOv4.</summary>
    GuestUso4 = 1UL << 54,

    /// <summary>VIRTIO_NET_F_GUEST_USO6: driver can receive USOv6.</summary>
    GuestUso6 = 1UL << 55,

    /// <summary>VIRTIO_NET_F_HOST_USO: device can receive USO.</summary>
    HostUso = 1UL << 56,

    /// <summary>VIRTIO_NET_F_HASH_REPORT: device reports a packet hash.</summary>
    HashReport = 1UL << 57,

    /// <summary>VIRTIO_NET_F_GUEST_HDRLEN: driver provides the exact header length.</summary>
    GuestHdrLen = 1UL << 59,

    /// <summary>VIRTIO_NET_F_RSS: receive-side scaling.</summary>
    Rss = 1UL << 60,

    /// <summary>VIRTIO_NET_F_RSC_EXT: extended coalescing info.</summary>
    RscExt = 1UL << 61,

    /// <summary>VIRTIO_NET_F_STANDBY: failover standby device.</summary>
    Standby = 1UL << 62,

    /// <summary>VIRTIO_NET_F_SPEED_DUPLEX: device reports speed and duplex.</summary>
    SpeedDuplex = 1UL << 63,
}
