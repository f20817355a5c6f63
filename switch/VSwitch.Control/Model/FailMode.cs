namespace VSwitch.Control.Model;

/// <summary>
/// What the bridge does while it has controllers configured but none connected (OVS <c>fail_mode</c>).
/// </summary>
public enum FailMode
{
    /// <summary>
    /// After the controllers have been unreachable for three probe intervals, forward everything with NORMAL (MAC
    /// learning), as if the flow tables held only <c>priority=0,actions=normal</c>, until one connects again
    /// ("fail open"). With no controller configured the flow tables apply, and a flushed table gets the default flow back.
    /// </summary>
    Standalone,

    /// <summary>Only the flow tables forward, controller or not; a flushed table stays empty (nothing is forwarded).</summary>
    Secure,
}
