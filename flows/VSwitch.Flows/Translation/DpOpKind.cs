namespace VSwitch.Flows.Translation;

/// <summary>
/// One step of a translated flow as the datapath executes it on each packet (OVS's datapath actions): the result of
/// walking the OpenFlow tables, with header edits folded together and placed just before the outputs that need them.
/// </summary>
public enum DpOpKind : byte
{
    /// <summary>Send to port <see cref="DpOp.Port"/> (never back out of the input port).</summary>
    Output,

    /// <summary>Send back out of the input port.</summary>
    InPort,

    /// <summary>Every port but the input port and no-flood ports.</summary>
    Flood,

    /// <summary>Every port but the input port.</summary>
    All,

    /// <summary>The NORMAL action: MAC learning with the ports' VLAN settings.</summary>
    Normal,

    /// <summary>A PACKET_IN to the controllers (<see cref="DpOp.MaxLen"/>, reason, table, cookie, metadata).</summary>
    Controller,

    /// <summary>Push a VLAN tag with TPID <see cref="DpOp.Tpid"/>, copying the VID and PCP of the tag it goes in front of (0 when untagged).</summary>
    PushVlan,

    /// <summary>Remove the outermost VLAN tag, if any.</summary>
    PopVlan,

    /// <summary>Set the VLAN id of the outermost tag; nothing on an untagged frame (OpenFlow set_field).</summary>
    SetVlanVid,

    /// <summary>Set the priority of the outermost tag; nothing on an untagged frame.</summary>
    SetVlanPcp,

    /// <summary>Set the VLAN id, pushing an 802.1Q tag on an untagged frame (OpenFlow 1.0 mod_vlan_vid).</summary>
    ModVlanVid,

    /// <summary>Set the VLAN priority, pushing an 802.1Q tag on an untagged frame (OpenFlow 1.0 mod_vlan_pcp).</summary>
    ModVlanPcp,

    /// <summary>Write <see cref="DpOp.Value"/> into <see cref="DpOp.Field"/>, fixing checksums; nothing when the header is absent.</summary>
    SetField,

    /// <summary>Decrement the IP TTL; at 0 or 1 drop the packet (and send it to the controllers when the op says so) and stop.</summary>
    DecTtl,

    /// <summary>Set the IP TTL to <see cref="DpOp.Ttl"/>.</summary>
    SetTtl,

    /// <summary>The next <see cref="DpOp.Length"/> ops run on a copy of the packet (a group bucket that edits headers).</summary>
    Clone,
}
