namespace VSwitch.Core.Ports;

/// <summary>The life cycle of a port as users see it in <c>show</c> and <c>port-status</c>.</summary>
public enum PortState
{
    /// <summary>Configured but not started, or stopped.</summary>
    Down,

    /// <summary>Waiting for a peer (listening, or retrying a connect).</summary>
    Waiting,

    /// <summary>A peer is connected and configuring the device.</summary>
    Negotiating,

    /// <summary>Queues are running: traffic can flow.</summary>
    Up,

    /// <summary>The port failed and is waiting to be reset; the reason is in its status.</summary>
    Error,
}
