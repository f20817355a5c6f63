namespace VSwitch.OpenFlow.Connection;

/// <summary>Where a connection (or an active controller's connection attempt) stands.</summary>
public enum ConnectionState
{
    /// <summary>Waiting before the next connection attempt.</summary>
    Backoff,
    /// <summary>TCP connect in progress.</summary>
    Connecting,
    /// <summary>Connected; HELLO not yet exchanged.</summary>
    Handshake,
    /// <summary>Version negotiated; messages flow.</summary>
    Connected,
    /// <summary>Closed.</summary>
    Closed,
}
