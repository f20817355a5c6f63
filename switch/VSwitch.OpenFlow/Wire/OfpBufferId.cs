namespace VSwitch.OpenFlow.Wire;

/// <summary>
/// Packet buffering constants. This switch buffers no packets: every packet-in carries the frame (up to max_len)
/// and <see cref="NoBuffer"/>, as OVS does since 2.7.
/// </summary>
public static class OfpBufferId
{
    /// <summary>"No buffer": the packet is in the message (<c>OFP_NO_BUFFER</c>).</summary>
    public const uint NoBuffer = 0xffffffff;
    /// <summary>Largest max_len that asks for buffering (<c>OFPCML_MAX</c>).</summary>
    public const ushort ControllerMaxLen = 0xffe5;
    /// <summary>max_len meaning "send the whole packet, do not buffer" (<c>OFPCML_NO_BUFFER</c>).</summary>
    public const ushort ControllerNoBuffer = 0xffff;
}
