using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using VSwitch.Flows.Keys;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Keys;

/// <summary>Checks an extracted key against PacketDotNet's independent parse of the same frame.</summary>
internal static class PacketOracle
{
    public static FlowKey Extract(byte[] frame, ushort inPort = 7)
    {
        Assert.True(FlowKeyExtractor.TryExtract(frame, inPort, out FlowKey key));
        Assert.Equal(inPort, key.InPort);
        AgreesWithPacketDotNet(frame, key);
        return key;
    }

    public static void AgreesWithPacketDotNet(byte[] frame, in FlowKey key)
    {
        var eth = Assert.IsType<EthernetPacket>(PacketFactory.Parse(frame));
        Assert.Equal(Mac(eth.SourceHardwareAddress), key.DlSrc);
        Assert.Equal(Mac(eth.DestinationHardwareAddress), key.DlDst);
        Packet? p = eth.PayloadPacket;
        if (p is Ieee8021QPacket q)
        {
            Assert.Equal((ushort)(0x1000 | ((int)q.PriorityControlPoint << 13) | q.VlanIdentifier), key.VlanTci);
            p = q.PayloadPacket;
        }
        switch (p)
        {
            case IPv4Packet v4:
                Assert.Equal((ushort)0x0800, key.DlType);
                Assert.Equal(V4(v4.SourceAddress), key.NwSrc);
                Assert.Equal(V4(v4.DestinationAddress), key.NwDst);
                Assert.Equal((byte)v4.Protocol, key.NwProto);
                Assert.Equal((byte)v4.TimeToLive, key.NwTtl);
                Assert.Equal((byte)v4.TypeOfService, key.NwTos);
                Transport(v4.PayloadPacket, key);
                break;
            case IPv6Packet v6:
                Assert.Equal((ushort)0x86dd, key.DlType);
                Assert.Equal(V6(v6.SourceAddress), key.Ipv6Src);
                Assert.Equal(V6(v6.DestinationAddress), key.Ipv6Dst);
                Assert.Equal((byte)v6.HopLimit, key.NwTtl);
                Assert.Equal((byte)v6.TrafficClass, key.NwTos);
                Transport(v6.PayloadPacket, key);
                break;
            case ArpPacket arp:
                Assert.Equal((ushort)arp.Operation, key.ArpOp);
                Assert.Equal(V4(arp.SenderProtocolAddress), key.NwSrc);
                Assert.Equal(V4(arp.TargetProtocolAddress), key.NwDst);
                break;
        }
    }

    private static void Transport(Packet? l4, in FlowKey key)
    {
        switch (l4)
        {
            case TcpPacket tcp:
                Assert.Equal(tcp.SourcePort, key.TpSrc);
                Assert.Equal(tcp.DestinationPort, key.TpDst);
                Assert.Equal((ushort)(tcp.Flags & 0x0fff), key.TcpFlags);
                Assert.Equal((byte)6, key.NwProto);
                break;
            case UdpPacket udp:
                Assert.Equal(udp.SourcePort, key.TpSrc);
                Assert.Equal(udp.DestinationPort, key.TpDst);
                Assert.Equal((byte)17, key.NwProto);
                break;
            case IcmpV4Packet icmp:
                Assert.Equal((ushort)((ushort)icmp.TypeCode >> 8), key.TpSrc);
                Assert.Equal((ushort)((ushort)icmp.TypeCode & 0xff), key.TpDst);
                break;
            case IcmpV6Packet icmp6:
                Assert.Equal((ushort)icmp6.Type, key.TpSrc);
                Assert.Equal(icmp6.Code, key.TpDst);
                break;
        }
    }

    public static ulong Mac(PhysicalAddress a)
    {
        byte[] b = a.GetAddressBytes();
        return ((ulong)BinaryPrimitives.ReadUInt16BigEndian(b) << 32) | BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(2));
    }

    public static uint V4(IPAddress a) => BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes());

    public static UInt128 V6(IPAddress a) => BinaryPrimitives.ReadUInt128BigEndian(a.GetAddressBytes());

    public static uint V4(string a) => V4(IPAddress.Parse(a));

    public static UInt128 V6(string a) => V6(IPAddress.Parse(a));
}
