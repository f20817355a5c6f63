namespace VSwitch.OpenFlow.Messages;

/// <summary>Port state (<c>enum ofp_port_state</c>).</summary>
[Flags]
public enum PortState : uint
{
    /// <summary>Link up, not blocked.</summary>
    None = 0,
    /// <summary>No physical link.</summary>
    LinkDown = 1,
    /// <summary>Blocked (e.g. by spanning tree).</summary>
    Blocked = 2,
    /// <summary>Live for fast failover.</summary>
    Live = 4,
}
