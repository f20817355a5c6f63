namespace VSwitch.OpenFlow.Messages;

/// <summary>What happened to a port (<c>enum ofp_port_reason</c>).</summary>
public enum PortStatusReason : byte
{
    /// <summary>The port was added.</summary>
    Add = 0,
    /// <summary>The port was removed.</summary>
    Delete = 1,
    /// <summary>An attribute of the port changed.</summary>
    Modify = 2,
}
