namespace VSwitch.VhostUser;

/// <summary>What happened on a vhost-user port (see <see cref="VhostUserPort.StateChanged"/>).</summary>
public enum VhostUserPortEventKind
{
    /// <summary>A front-end connected (or the switch connected to one).</summary>
    Connected,

    /// <summary>The session ended: the port waits for (or reconnects to) a front-end.</summary>
    Disconnected,

    /// <summary>A queue pair has both rings running: traffic can flow (the port state became Up).</summary>
    Running,

    /// <summary>A ring started (its index is in the event).</summary>
    RingStarted,

    /// <summary>A ring stopped (GET_VRING_BASE).</summary>
    RingStopped,

    /// <summary>The guest broke a ring with a malformed descriptor chain or index; it stays stopped until the driver resets it.</summary>
    RingBroken,

    /// <summary>The front-end asked for a RARP announcement of <see cref="VhostUserPortStatus.RarpMac"/> (after migration).</summary>
    RarpRequested,

    /// <summary>
    /// The front-end harmed the port (its memory file shrank under the switch, or it made a ring's eventfd blocking): the
    /// session ends and the port shows <see cref="Core.Ports.PortState.Error"/> with the reason in
    /// <see cref="VhostUserPortStatus.LastError"/> until a front-end connects again.
    /// </summary>
    Failed,
}
