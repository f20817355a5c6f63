namespace VSwitch.VhostUser;

/// <summary>Which side of the unix socket the switch is.</summary>
public enum VhostUserMode
{
    /// <summary>The switch listens; the front-end (QEMU, virtio-user) connects (<c>vhostuser</c>).</summary>
    Server,

    /// <summary>The switch connects to a socket the front-end listens on, and keeps reconnecting (<c>vhostuserclient</c>).</summary>
    Client,
}
