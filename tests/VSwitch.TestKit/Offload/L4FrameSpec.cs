namespace VSwitch.TestKit.Offload;

/// <summary>
/// What <see cref="L4Frames"/> builds: a TCP or UDP frame over IPv4 or IPv6, with up to two VLAN tags, IPv4 and TCP
/// options and a payload. Every field is plain data, so a random spec prints as what went wrong in a failed property.
/// </summary>
public sealed record L4FrameSpec
{
    /// <summary>IPv6 (true) or IPv4.</summary>
    public bool Ipv6 { get; init; }

    /// <summary>UDP (true) or TCP.</summary>
    public bool Udp { get; init; }

    /// <summary>VLAN tags in front of the IP header: 0, 1 (802.1Q) or 2 (802.1ad outer, 802.1Q inner).</summary>
    public int VlanTags { get; init; }

    /// <summary>IPv4 options (a multiple of 4 bytes, at most 40); ignored for IPv6.</summary>
    public byte[] IpOptions { get; init; } = [];

    /// <summary>TCP options (a multiple of 4 bytes, at most 40); ignored for UDP.</summary>
    public byte[] TcpOptions { get; init; } = [];

    /// <summary>IPv4 TOS or IPv6 traffic class (the low two bits are ECN).</summary>
    public byte Tos { get; init; }

    /// <summary>IPv4 identification of the first (or only) frame.</summary>
    public ushort IpId { get; init; }

    /// <summary>TCP sequence number of the first payload byte.</summary>
    public uint Seq { get; init; }

    /// <summary>TCP acknowledgement number.</summary>
    public uint Ack { get; init; }

    /// <summary>TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80).</summary>
    public byte TcpFlags { get; init; } = 0x10;

    /// <summary>Source and destination ports.</summary>
    public ushort SrcPort { get; init; } = 40000;

    /// <inheritdoc cref="SrcPort"/>
    public ushort DstPort { get; init; } = 5201;

    /// <summary>Source address: 4 bytes for IPv4, 16 for IPv6.</summary>
    public byte[] SrcIp { get; init; } = [10, 0, 0, 1];

    /// <summary>Destination address: 4 bytes for IPv4, 16 for IPv6.</summary>
    public byte[] DstIp { get; init; } = [10, 0, 0, 2];

    /// <summary>The payload of the whole frame (or super-frame).</summary>
    public byte[] Payload { get; init; } = [];

    /// <summary>Prints the shape (not the payload bytes) for failure messages.</summary>
    public override string ToString() =>
        $"{(Ipv6 ? "IPv6" : "IPv4")}/{(Udp ? "UDP" : "TCP")} tags={VlanTags} ipopt={IpOptions.Length} tcpopt={TcpOptions.Length} " +
        $"tos=0x{Tos:x2} id={IpId} seq={Seq} flags=0x{TcpFlags:x2} payload={Payload.Length}";
}
