namespace VSwitch.Flows.Actions;

/// <summary>What one <see cref="FlowAction"/> does (the ovs-ofctl action of the same name).</summary>
public enum FlowActionKind : byte
{
    /// <summary><c>output:PORT</c>: send a copy to the port in <see cref="FlowAction.Argument"/>.</summary>
    Output,

    /// <summary><c>normal</c>: forward as a MAC-learning switch would.</summary>
    Normal,

    /// <summary><c>flood</c>: every port except the ingress port (and ports excluded from flooding).</summary>
    Flood,

    /// <summary><c>all</c>: every port except the ingress port.</summary>
    All,

    /// <summary><c>in_port</c>: back out the ingress port.</summary>
    InPort,

    /// <summary><c>drop</c>: no output. An empty list means the same.</summary>
    Drop,

    /// <summary><c>mod_vlan_vid:VID</c>: set the VLAN ID, pushing an 802.1Q tag if there is none (OpenFlow 1.0).</summary>
    SetVlanVid,

    /// <summary><c>mod_vlan_pcp:PCP</c>: set the VLAN priority, pushing an 802.1Q tag if there is none (OpenFlow 1.0).</summary>
    SetVlanPcp,

    /// <summary><c>strip_vlan</c> / <c>pop_vlan</c>: remove the outermost VLAN tag, if any.</summary>
    StripVlan,

    /// <summary>
    /// <c>push_vlan:TPID</c>: push a new outermost tag with the TPID in the argument. OpenFlow 1.3.5 §7.2.5: the new
    /// tag copies the VLAN id and priority of the tag it goes in front of, or is 0 on an untagged frame.
    /// </summary>
    PushVlan,

    /// <summary><c>mod_dl_src:MAC</c>: set the Ethernet source address (48-bit value in the argument).</summary>
    SetDlSrc,

    /// <summary><c>mod_dl_dst:MAC</c>: set the Ethernet destination address (48-bit value in the argument).</summary>
    SetDlDst,

    /// <summary>
    /// <c>set_field:VALUE-&gt;FIELD</c>: write <see cref="FlowAction.Value"/> into <see cref="FlowAction.Field"/>, fixing
    /// the IPv4, TCP, UDP, SCTP and ICMPv6 checksums it affects. Nothing happens when the packet lacks the header.
    /// </summary>
    SetField,

    /// <summary><c>controller[:MAX_LEN]</c>: send the packet to the controllers as a PACKET_IN, cut to the argument's length.</summary>
    Controller,

    /// <summary><c>group:ID</c>: apply group <see cref="FlowAction.Argument"/>.</summary>
    Group,

    /// <summary>
    /// <c>dec_ttl</c>: decrement the IPv4 TTL or IPv6 hop limit. A packet whose TTL is 0 or 1 is dropped (and sent to the
    /// controllers with reason INVALID_TTL when the switch configuration asks for that); non-IP packets are untouched.
    /// </summary>
    DecTtl,

    /// <summary><c>mod_nw_ttl:TTL</c> (OpenFlow <c>set_nw_ttl</c>): set the IPv4 TTL or IPv6 hop limit.</summary>
    SetNwTtl,

    /// <summary><c>output:TABLE</c>: run the packet through the flow tables from table 0; only in a PACKET_OUT.</summary>
    Table,
}
