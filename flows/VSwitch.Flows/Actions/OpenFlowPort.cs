namespace VSwitch.Flows.Actions;

/// <summary>
/// Reserved port numbers of OpenFlow 1.0 (16-bit; OpenFlow 1.3's are the same with 0xffff in front). Actions use
/// <see cref="FlowActionKind"/> instead of these; the parser maps <c>output:0xfffa</c> and friends onto the kinds.
/// <see cref="Local"/> stays a port.
/// </summary>
public static class OpenFlowPort
{
    /// <summary>Largest number of an ordinary port.</summary>
    public const ushort Max = 0xff00;

    /// <summary>OFPP_IN_PORT.</summary>
    public const ushort InPort = 0xfff8;

    /// <summary>OFPP_TABLE: run the flow tables (PACKET_OUT only).</summary>
    public const ushort Table = 0xfff9;

    /// <summary>OFPP_NORMAL.</summary>
    public const ushort Normal = 0xfffa;

    /// <summary>OFPP_FLOOD.</summary>
    public const ushort Flood = 0xfffb;

    /// <summary>OFPP_ALL.</summary>
    public const ushort All = 0xfffc;

    /// <summary>OFPP_CONTROLLER: to the controllers, as a PACKET_IN; also the in_port of a PACKET_OUT from a controller.</summary>
    public const ushort Controller = 0xfffd;

    /// <summary>OFPP_LOCAL: the bridge's own port.</summary>
    public const ushort Local = 0xfffe;

    /// <summary>OFPP_NONE (OpenFlow 1.3's OFPP_ANY): no port; in an out_port filter, any port.</summary>
    public const ushort None = 0xffff;
}
