namespace VSwitch.Control.Model;

/// <summary>What the bridge does while no OpenFlow controller is connected (OVS's <c>fail_mode</c>).</summary>
public enum FailMode
{
    /// <summary>
    /// The default: with controllers set and none connected for the fail-open delay, every packet takes the NORMAL
    /// path (the tables are kept and take over again as soon as a controller connects). Without controllers set the
    /// tables apply as they are.
    /// </summary>
    Standalone,

    /// <summary>Only the flows apply, connected or not: a packet no flow forwards goes nowhere.</summary>
    Secure,
}
