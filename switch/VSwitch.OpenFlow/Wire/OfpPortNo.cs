namespace VSwitch.OpenFlow.Wire;

/// <summary>
/// Port numbers with a meaning of their own (<c>enum ofp_port_no</c>, OpenFlow 1.3.5 §7.2.1). Physical and logical
/// ports are 1..<see cref="Max"/>; 0 is not a valid port.
/// </summary>
public static class OfpPortNo
{
    /// <summary>Highest number of a real port.</summary>
    public const uint Max = 0xffffff00;
    /// <summary>Send the packet back out of its input port.</summary>
    public const uint InPort = 0xfffffff8;
    /// <summary>Run the packet through the flow tables (packet-out only).</summary>
    public const uint Table = 0xfffffff9;
    /// <summary>The switch's non-OpenFlow forwarding (MAC learning).</summary>
    public const uint Normal = 0xfffffffa;
    /// <summary>Every port except the input port and blocked ports.</summary>
    public const uint Flood = 0xfffffffb;
    /// <summary>Every port except the input port.</summary>
    public const uint All = 0xfffffffc;
    /// <summary>To the controller, as a packet-in.</summary>
    public const uint Controller = 0xfffffffd;
    /// <summary>The switch's local port.</summary>
    public const uint Local = 0xfffffffe;
    /// <summary>Wildcard: no port (filters in requests).</summary>
    public const uint Any = 0xffffffff;

    /// <summary>True for 1..<see cref="Max"/>.</summary>
    public static bool IsStandard(uint port) => port is >= 1 and <= Max;
}
