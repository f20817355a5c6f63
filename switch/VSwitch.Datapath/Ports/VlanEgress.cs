namespace VSwitch.Datapath.Ports;

/// <summary>How a frame of a given VLAN leaves a port.</summary>
public enum VlanEgress : byte
{
    /// <summary>The port does not carry the VLAN.</summary>
    Deny,

    /// <summary>The frame leaves without an 802.1Q tag.</summary>
    Untagged,

    /// <summary>The frame leaves with an 802.1Q tag carrying the VLAN ID.</summary>
    Tagged,
}
