namespace VSwitch.TestKit.Guests;

/// <summary>Which side of a guest's vhost-user socket listens.</summary>
public enum GuestSocketMode
{
    /// <summary>
    /// The backend listens and QEMU connects, retrying every second until it can (<c>reconnect=1</c>), and again after
    /// the backend restarts. The switch's <c>vhostuser</c> port type; testpmd's <c>net_vhost</c> default.
    /// </summary>
    QemuClient,

    /// <summary>
    /// QEMU listens (<c>server=on,wait=off</c>) and the backend connects. QEMU still holds the guest's start until the
    /// backend has connected. The switch's <c>vhostuserclient</c> port type; testpmd's <c>net_vhost</c> with <c>client=1</c>.
    /// </summary>
    QemuServer,
}
