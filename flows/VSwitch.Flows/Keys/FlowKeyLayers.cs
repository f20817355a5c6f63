namespace VSwitch.Flows.Keys;

/// <summary>
/// Which headers <see cref="FlowKeyExtractor"/> parsed into a <see cref="FlowKey"/> (stored in
/// <see cref="FlowKey.Present"/>). A layer's bit is set only when its header was complete and sane;
/// otherwise its fields stay zero.
/// </summary>
[Flags]
public enum FlowKeyLayers : ushort
{
    /// <summary>Nothing parsed.</summary>
    None = 0,

    /// <summary>Ethernet II (or 802.3) header: addresses and type.</summary>
    Ethernet = 1 << 0,

    /// <summary>A VLAN tag (802.1Q or 802.1ad), the outermost: <see cref="FlowKey.VlanTci"/>.</summary>
    Vlan = 1 << 1,

    /// <summary>A second VLAN tag behind the first: <see cref="FlowKey.InnerVlanTci"/>.</summary>
    InnerVlan = 1 << 2,

    /// <summary>An Ethernet/IPv4 ARP or RARP body.</summary>
    Arp = 1 << 3,

    /// <summary>An IPv4 header.</summary>
    IPv4 = 1 << 4,

    /// <summary>An IPv6 header (and its extension headers).</summary>
    IPv6 = 1 << 5,

    /// <summary>A TCP header.</summary>
    Tcp = 1 << 6,

    /// <summary>A UDP header.</summary>
    Udp = 1 << 7,

    /// <summary>An SCTP common header.</summary>
    Sctp = 1 << 8,

    /// <summary>An ICMP header.</summary>
    Icmp = 1 << 9,

    /// <summary>An ICMPv6 header.</summary>
    Icmpv6 = 1 << 10,

    /// <summary>An IPv6 neighbour solicitation or advertisement: <see cref="FlowKey.NdTarget"/> and its link-layer option.</summary>
    NeighborDiscovery = 1 << 11,

    /// <summary>
    /// Some header announced by the frame was truncated or malformed; its fields (and those of
    /// every header after it) were left zero. The frame can still be forwarded; counters may note it.
    /// </summary>
    Malformed = 1 << 15,
}
