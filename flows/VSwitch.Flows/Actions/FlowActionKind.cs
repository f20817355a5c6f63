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

    /// <summary><c>mod_vlan_vid:VID</c>: set the VLAN ID, pushing an 802.1Q tag if there is none.</summary>
    SetVlanVid,

    /// <summary><c>mod_vlan_pcp:PCP</c>: set the VLAN priority, pushing an 802.1Q tag if there is none.</summary>
    SetVlanPcp,

    /// <summary><c>strip_vlan</c>: remove the outermost VLAN tag, if any.</summary>
    StripVlan,

    /// <summary><c>push_vlan:TPID</c>: push a new outermost tag (TCI 0) with the TPID in the argument.</summary>
    PushVlan,

    /// <summary><c>mod_dl_src:MAC</c>: set the Ethernet source address (48-bit value in the argument).</summary>
    SetDlSrc,

    /// <summary><c>mod_dl_dst:MAC</c>: set the Ethernet destination address (48-bit value in the argument).</summary>
    SetDlDst,
}
