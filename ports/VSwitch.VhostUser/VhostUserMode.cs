namespace VSwitch.VhostUser;

/// <summary>Which side of the unix socket the switch is.</summary>
public enum VhostUserMode
{
    /// <summary>The switch listens and QEMU connects (OVS <c>dpdkvhostuser</c>).</summary>
    Server,

    /// <summary>
    /// The switch connects to a socket QEMU listens on (<c>server=on</c>) and reconnects after every disconnect (OVS
    /// <c>dpdkvhostuserclient</c>): the mode that lets the switch restart without restarting VMs.
    /// </summary>
    Client,
}
