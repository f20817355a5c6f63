namespace VSwitch.OpenFlow.Actions;

/// <summary>Action types of OpenFlow 1.3 (<c>enum ofp_action_type</c>, OpenFlow 1.3.5 §7.2.5).</summary>
public enum OfpActionType : ushort
{
    /// <summary>Output to a port (16 bytes).</summary>
    Output = 0,
    /// <summary>Copy TTL outwards.</summary>
    CopyTtlOut = 11,
    /// <summary>Copy TTL inwards.</summary>
    CopyTtlIn = 12,
    /// <summary>Set the MPLS TTL.</summary>
    SetMplsTtl = 15,
    /// <summary>Decrement the MPLS TTL.</summary>
    DecMplsTtl = 16,
    /// <summary>Push a VLAN tag (ethertype 0x8100 or 0x88a8).</summary>
    PushVlan = 17,
    /// <summary>Pop the outer VLAN tag.</summary>
    PopVlan = 18,
    /// <summary>Push an MPLS label (ethertype 0x8847 or 0x8848).</summary>
    PushMpls = 19,
    /// <summary>Pop the outer MPLS label, giving the new ethertype.</summary>
    PopMpls = 20,
    /// <summary>Set the output queue.</summary>
    SetQueue = 21,
    /// <summary>Apply a group.</summary>
    Group = 22,
    /// <summary>Set the IP TTL.</summary>
    SetNwTtl = 23,
    /// <summary>Decrement the IP TTL.</summary>
    DecNwTtl = 24,
    /// <summary>Set a header field (an OXM TLV without mask).</summary>
    SetField = 25,
    /// <summary>Push a PBB service tag (ethertype 0x88e7).</summary>
    PushPbb = 26,
    /// <summary>Pop the outer PBB service tag.</summary>
    PopPbb = 27,
    /// <summary>Vendor action (not supported here).</summary>
    Experimenter = 0xffff,
}
