namespace VSwitch.OpenFlow.Messages;

/// <summary>Switch capabilities in FEATURES_REPLY (<c>enum ofp_capabilities</c>).</summary>
[Flags]
public enum SwitchCapabilities : uint
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Flow statistics.</summary>
    FlowStats = 1,
    /// <summary>Table statistics.</summary>
    TableStats = 2,
    /// <summary>Port statistics.</summary>
    PortStats = 4,
    /// <summary>Group statistics.</summary>
    GroupStats = 8,
    /// <summary>IP reassembly.</summary>
    IpReasm = 32,
    /// <summary>Queue statistics.</summary>
    QueueStats = 64,
    /// <summary>Blocks looping ports.</summary>
    PortBlocked = 256,
}
