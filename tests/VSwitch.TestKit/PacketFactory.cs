using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using PacketDotNet.Utils;
using VSwitch.Core.Net;

namespace VSwitch.TestKit;

/// <summary>
/// Builds test frames with PacketDotNet, an implementation independent of the switch's own parsers, so tests
/// can check the switch against it. Every method returns a fresh array holding exactly one frame (no FCS).
/// VLAN tags and SCTP, which PacketDotNet cannot build, are written by hand at the documented offsets.
/// Test and tooling code only: allocates freely.
/// </summary>
public static class PacketFactory
{
    /// <summary>Default source MAC (locally administered).</summary>
    public static readonly MacAddress DefaultSrc = new(0x02_00_00_00_00_01);

    /// <summary>Default destination MAC (locally administered).</summary>
    public static readonly MacAddress DefaultDst = new(0x02_00_00_00_00_02);

    /// <summary>An Ethernet II frame with the given type and payload; padded to 60 bytes when <paramref name="pad"/>.</summary>
    public static byte[] Ethernet(MacAddress src, MacAddress dst, ushort etherType, ReadOnlySpan<byte> payload, bool pad = false)
    {
        var eth = new EthernetPacket(Phys(src), Phys(dst), (EthernetType)etherType)
        {
            PayloadData = payload.ToArray(),
        };
        byte[] bytes = eth.Bytes;
        return pad && bytes.Length < EthernetHeader.MinFrame ? [.. bytes, .. new byte[EthernetHeader.MinFrame - bytes.Length]] : bytes;
    }

    /// <summary>An IPv4/TCP frame. <paramref name="tcpFlags"/> uses the header's bit values (SYN 0x002, ACK 0x010, ...).</summary>
    public static byte[] Ipv4Tcp(string src = "10.0.0.1", string dst = "10.0.0.2", ushort srcPort = 1234, ushort dstPort = 80,
        ushort tcpFlags = 0x002, byte ttl = 64, byte tos = 0, int payloadLength = 0, MacAddress? ethSrc = null, MacAddress? ethDst = null)
    {
        var tcp = new TcpPacket(srcPort, dstPort) { Flags = tcpFlags, WindowSize = 1024, PayloadData = new byte[payloadLength] };
        return Ipv4(src, dst, ProtocolType.Tcp, tcp, ttl, tos, ethSrc, ethDst);
    }

    /// <summary>An IPv4/UDP frame.</summary>
    public static byte[] Ipv4Udp(string src = "10.0.0.1", string dst = "10.0.0.2", ushort srcPort = 5353, ushort dstPort = 53,
        byte ttl = 64, byte tos = 0, int payloadLength = 0, MacAddress? ethSrc = null, MacAddress? ethDst = null)
    {
        var udp = new UdpPacket(srcPort, dstPort) { PayloadData = new byte[payloadLength] };
        return Ipv4(src, dst, ProtocolType.Udp, udp, ttl, tos, ethSrc, ethDst);
    }

    /// <summary>An IPv4/ICMP frame (8-byte ICMP header, e.g. type 8 code 0 for an echo request).</summary>
    public static byte[] Ipv4Icmp(byte type = 8, byte code = 0, string src = "10.0.0.1", string dst = "10.0.0.2",
        MacAddress? ethSrc = null, MacAddress? ethDst = null)
    {
        var icmp = new IcmpV4Packet(new ByteArraySegment(new byte[8])) { TypeCode = (IcmpV4TypeCode)((type << 8) | code) };
        return Ipv4(src, dst, ProtocolType.Icmp, icmp, 64, 0, ethSrc, ethDst);
    }

    /// <summary>An IPv4/SCTP frame: a 12-byte SCTP common header (RFC 9260 §3.1) built by hand.</summary>
    public static byte[] Ipv4Sctp(ushort srcPort, ushort dstPort, string src = "10.0.0.1", string dst = "10.0.0.2")
    {
        byte[] sctp = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(sctp, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(sctp.AsSpan(2), dstPort);
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst))
        {
            Protocol = (ProtocolType)132,
            TimeToLive = 64,
            PayloadData = sctp,
        };
        return Frame(EthernetType.IPv4, ip, null, null);
    }

    /// <summary>
    /// An IPv4/UDP fragment: <paramref name="moreFragments"/> sets MF; <paramref name="offsetUnits"/> is the
    /// fragment offset in 8-byte units (RFC 791). A later fragment carries raw payload bytes, not a UDP header.
    /// </summary>
    public static byte[] Ipv4Fragment(bool moreFragments, int offsetUnits, int payloadLength = 16)
    {
        var ip = new IPv4Packet(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"))
        {
            Protocol = ProtocolType.Udp,
            TimeToLive = 64,
            Id = 7,
            PayloadData = new byte[payloadLength],
        };
        if (offsetUnits == 0)
        {
            byte[] udp = new UdpPacket(5353, 53) { PayloadData = new byte[Math.Max(0, payloadLength - 8)] }.Bytes;
            BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), 1000);
            ip.PayloadData = udp;
        }
        ip.FragmentFlags = moreFragments ? 0x1 : 0x0;
        ip.FragmentOffset = offsetUnits;
        return Frame(EthernetType.IPv4, ip, null, null);
    }

    /// <summary>An IPv6/TCP frame.</summary>
    public static byte[] Ipv6Tcp(string src = "2001:db8::1", string dst = "2001:db8::2", ushort srcPort = 1234, ushort dstPort = 443,
        ushort tcpFlags = 0x012, byte hopLimit = 64, byte trafficClass = 0)
    {
        var tcp = new TcpPacket(srcPort, dstPort) { Flags = tcpFlags, WindowSize = 1024 };
        return Ipv6(src, dst, ProtocolType.Tcp, tcp, hopLimit, trafficClass);
    }

    /// <summary>An IPv6/UDP frame.</summary>
    public static byte[] Ipv6Udp(string src = "2001:db8::1", string dst = "2001:db8::2", ushort srcPort = 5353, ushort dstPort = 53,
        byte hopLimit = 64, byte trafficClass = 0)
    {
        var udp = new UdpPacket(srcPort, dstPort) { PayloadData = new byte[4] };
        return Ipv6(src, dst, ProtocolType.Udp, udp, hopLimit, trafficClass);
    }

    /// <summary>An IPv6/ICMPv6 frame (e.g. type 128 code 0 for an echo request).</summary>
    public static byte[] Icmpv6(byte type = 128, byte code = 0, string src = "2001:db8::1", string dst = "2001:db8::2")
    {
        var icmp = new IcmpV6Packet(new ByteArraySegment(new byte[8])) { Type = (IcmpV6Type)type, Code = code };
        return Ipv6(src, dst, ProtocolType.IcmpV6, icmp, 64, 0);
    }

    /// <summary>An Ethernet/IPv4 ARP frame (RFC 826); <paramref name="op"/> 1 is a request, 2 a reply.</summary>
    public static byte[] Arp(ushort op = 1, string senderIp = "10.0.0.1", string targetIp = "10.0.0.2",
        MacAddress? senderMac = null, MacAddress? targetMac = null, MacAddress? ethDst = null)
    {
        MacAddress sha = senderMac ?? DefaultSrc;
        var arp = new ArpPacket((ArpOperation)op, Phys(targetMac ?? default), IPAddress.Parse(targetIp), Phys(sha), IPAddress.Parse(senderIp));
        var eth = new EthernetPacket(Phys(sha), Phys(ethDst ?? MacAddress.Broadcast), EthernetType.Arp) { PayloadPacket = arp };
        return eth.Bytes;
    }

    /// <summary>
    /// Inserts a VLAN tag (IEEE 802.1Q: TPID then TCI) right after the MAC addresses, as the new outermost tag.
    /// Call twice for QinQ: first the inner (0x8100) tag, then the outer (0x88a8) one.
    /// </summary>
    public static byte[] WithVlan(byte[] frame, ushort vid, byte pcp = 0, ushort tpid = EtherType.Vlan)
    {
        byte[] tagged = new byte[frame.Length + VlanTag.Size];
        frame.AsSpan(0, 12).CopyTo(tagged);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(12), tpid);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(14), VlanTag.From(vid, pcp).Tci);
        frame.AsSpan(12).CopyTo(tagged.AsSpan(16));
        return tagged;
    }

    /// <summary>
    /// Inserts IPv4 options (a multiple of 4 bytes) after the fixed header of an untagged IPv4 frame,
    /// fixing IHL, total length and the header checksum.
    /// </summary>
    public static byte[] WithIpv4Options(byte[] frame, ReadOnlySpan<byte> options)
    {
        if (options.Length % 4 != 0 || options.Length > 40)
        {
            throw new ArgumentException("IPv4 options are 0-40 bytes in 4-byte words", nameof(options));
        }
        byte[] result = new byte[frame.Length + options.Length];
        frame.AsSpan(0, 34).CopyTo(result);
        options.CopyTo(result.AsSpan(34));
        frame.AsSpan(34).CopyTo(result.AsSpan(34 + options.Length));
        var ip = new IPv4Packet(new ByteArraySegment(result, 14, result.Length - 14));
        ip.HeaderLength = 5 + (options.Length / 4);
        ip.TotalLength = ip.TotalLength + options.Length;
        ip.UpdateIPChecksum();
        return result;
    }

    /// <summary>PacketDotNet's own parse of a frame, for comparing against the switch's parser.</summary>
    public static Packet Parse(byte[] frame) => Packet.ParsePacket(LinkLayers.Ethernet, frame);

    private static byte[] Ipv4(string src, string dst, ProtocolType proto, Packet payload, byte ttl, byte tos, MacAddress? ethSrc, MacAddress? ethDst)
    {
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst))
        {
            Protocol = proto,
            TimeToLive = ttl,
            TypeOfService = tos,
            PayloadPacket = payload,
        };
        return Frame(EthernetType.IPv4, ip, ethSrc, ethDst);
    }

    private static byte[] Ipv6(string src, string dst, ProtocolType proto, Packet payload, byte hopLimit, byte trafficClass)
    {
        var ip = new IPv6Packet(IPAddress.Parse(src), IPAddress.Parse(dst))
        {
            NextHeader = proto,
            HopLimit = hopLimit,
            TrafficClass = trafficClass,
            PayloadPacket = payload,
        };
        return Frame(EthernetType.IPv6, ip, null, null);
    }

    private static byte[] Frame(EthernetType type, IPPacket ip, MacAddress? ethSrc, MacAddress? ethDst)
    {
        var eth = new EthernetPacket(Phys(ethSrc ?? DefaultSrc), Phys(ethDst ?? DefaultDst), type) { PayloadPacket = ip };
        eth.UpdateCalculatedValues();
        if (ip is IPv4Packet v4)
        {
            v4.UpdateIPChecksum();
        }
        return eth.Bytes;
    }

    private static PhysicalAddress Phys(MacAddress mac)
    {
        byte[] b = new byte[6];
        mac.Write(b);
        return new PhysicalAddress(b);
    }
}
