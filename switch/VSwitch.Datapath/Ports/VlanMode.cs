namespace VSwitch.Datapath.Ports;

/// <summary>How a port carries VLANs for the NORMAL action (OVS <c>Port:vlan_mode</c>).</summary>
public enum VlanMode : byte
{
    /// <summary>
    /// Tagged frames of the trunked VLANs (all, when the list is empty). An untagged frame is in VLAN 0; VLAN 0
    /// leaves untagged, every other VLAN tagged.
    /// </summary>
    Trunk,

    /// <summary><c>tag=N</c>: untagged on the wire, VLAN N inside. A frame arriving with a non-zero VLAN ID is dropped.</summary>
    Access,

    /// <summary>Trunk whose untagged (and priority-tagged) frames belong to the native VLAN; the native VLAN leaves tagged.</summary>
    NativeTagged,

    /// <summary>Trunk whose untagged (and priority-tagged) frames belong to the native VLAN; the native VLAN leaves untagged.</summary>
    NativeUntagged,
}
