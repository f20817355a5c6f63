namespace VSwitch.OpenFlow.Connection;

/// <summary>Who opened an OpenFlow connection.</summary>
public enum ConnectionKind
{
    /// <summary>A client (ovs-ofctl, a controller) connected to the switch's listener.</summary>
    Passive,
    /// <summary>The switch connected to a controller set with set-controller.</summary>
    Active,
}
