using VSwitch.Core.Net;
using VSwitch.Flows.Keys;
using VSwitch.TestKit;
using Xunit;
using static VSwitch.Flows.Tests.Keys.PacketOracle;

namespace VSwitch.Flows.Tests.Keys;

public sealed class FlowKeyExtractorTests
{
    private static FlowKeyLayers Layers(in FlowKey k) => (FlowKeyLayers)k.Present;

    [Fact]
    public void Runt_IsRejected_WithOnlyTheInPortSet()
    {
        Assert.False(FlowKeyExtractor.TryExtract(new byte[13], 3, out FlowKey key));
        FlowKey expected = default;
        expected.InPort = 3;
        Assert.Equal(expected, key);
    }

    [Fact]
    public void BareEthernetHeader_GivesAddressesAndType()
    {
        byte[] frame = PacketFactory.Ethernet(new MacAddress(0x0a0b0c0d0e0f), MacAddress.Broadcast, 0x88cc, []);
        FlowKey k = Extract(frame);
        Assert.Equal(0x0a0b0c0d0e0fUL, k.DlSrc);
        Assert.Equal(0xffffffffffffUL, k.DlDst);
        Assert.Equal((ushort)0x88cc, k.DlType);
        Assert.Equal(FlowKeyLayers.Ethernet, Layers(k));
    }

    [Fact]
    public void Ipv4Tcp_FieldsAndFlags()
    {
        byte[] frame = PacketFactory.Ipv4Tcp("192.168.1.10", "10.9.8.7", 40000, 443, tcpFlags: 0x012, ttl: 33, tos: 0xb8, payloadLength: 100);
        FlowKey k = Extract(frame);
        Assert.Equal(V4("192.168.1.10"), k.NwSrc);
        Assert.Equal(V4("10.9.8.7"), k.NwDst);
        Assert.Equal((ushort)40000, k.TpSrc);
        Assert.Equal((ushort)443, k.TpDst);
        Assert.Equal((ushort)0x012, k.TcpFlags);
        Assert.Equal((byte)33, k.NwTtl);
        Assert.Equal((byte)0xb8, k.NwTos);
        Assert.Equal((byte)0, k.NwFrag);
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.IPv4 | FlowKeyLayers.Tcp, Layers(k));
    }

    [Theory]
    [InlineData(0x001)]
    [InlineData(0x002)]
    [InlineData(0x004)]
    [InlineData(0x008)]
    [InlineData(0x010)]
    [InlineData(0x020)]
    [InlineData(0x040)]
    [InlineData(0x080)]
    [InlineData(0x100)]
    [InlineData(0x1ff)]
    public void TcpFlags_EachBit(ushort flags)
    {
        Assert.Equal(flags, Extract(PacketFactory.Ipv4Tcp(tcpFlags: flags)).TcpFlags);
    }

    [Fact]
    public void Ipv4Udp()
    {
        FlowKey k = Extract(PacketFactory.Ipv4Udp("1.2.3.4", "5.6.7.8", 68, 67));
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)68, k.TpSrc);
        Assert.Equal((ushort)67, k.TpDst);
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.IPv4 | FlowKeyLayers.Udp, Layers(k));
    }

    [Fact]
    public void Ipv4Icmp_TypeAndCodeGoToPorts()
    {
        FlowKey k = Extract(PacketFactory.Ipv4Icmp(type: 3, code: 4));
        Assert.Equal((byte)1, k.NwProto);
        Assert.Equal((ushort)3, k.TpSrc);
        Assert.Equal((ushort)4, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Icmp));
    }

    [Fact]
    public void Ipv4Sctp_Ports()
    {
        FlowKey k = Extract(PacketFactory.Ipv4Sctp(2905, 2906));
        Assert.Equal((byte)132, k.NwProto);
        Assert.Equal((ushort)2905, k.TpSrc);
        Assert.Equal((ushort)2906, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Sctp));
    }

    [Fact]
    public void Ipv4Options_AreSkippedUsingIhl()
    {
        byte[] options = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00];
        byte[] frame = PacketFactory.WithIpv4Options(PacketFactory.Ipv4Tcp(srcPort: 1111, dstPort: 2222), options);
        FlowKey k = Extract(frame);
        Assert.Equal((ushort)1111, k.TpSrc);
        Assert.Equal((ushort)2222, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Tcp));
    }

    [Fact]
    public void Ipv4FirstFragment_HasFragBitsAndPorts()
    {
        Assert.True(FlowKeyExtractor.TryExtract(PacketFactory.Ipv4Fragment(moreFragments: true, offsetUnits: 0), 1, out FlowKey k));
        Assert.Equal((byte)1, k.NwFrag);
        Assert.Equal((ushort)5353, k.TpSrc);
        Assert.Equal((ushort)53, k.TpDst);
    }

    [Fact]
    public void Ipv4LaterFragment_HasNoPorts()
    {
        Assert.True(FlowKeyExtractor.TryExtract(PacketFactory.Ipv4Fragment(moreFragments: false, offsetUnits: 3), 1, out FlowKey k));
        Assert.Equal((byte)3, k.NwFrag);
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)0, k.TpSrc);
        Assert.Equal((ushort)0, k.TpDst);
        Assert.False(Layers(k).HasFlag(FlowKeyLayers.Udp));
        Assert.False(Layers(k).HasFlag(FlowKeyLayers.Malformed));
    }

    [Fact]
    public void Ipv4DontFragmentAlone_IsNotAFragment()
    {
        byte[] frame = PacketFactory.Ipv4Udp();
        frame[14 + 6] = 0x40;
        Assert.Equal((byte)0, Extract(frame).NwFrag);
    }

    [Fact]
    public void Ipv6Tcp()
    {
        FlowKey k = Extract(PacketFactory.Ipv6Tcp("fe80::1", "2001:db8:1::ff", 5000, 22, tcpFlags: 0x011, hopLimit: 255, trafficClass: 0x28));
        Assert.Equal(V6("fe80::1"), k.Ipv6Src);
        Assert.Equal(V6("2001:db8:1::ff"), k.Ipv6Dst);
        Assert.Equal((byte)6, k.NwProto);
        Assert.Equal((byte)255, k.NwTtl);
        Assert.Equal((byte)0x28, k.NwTos);
        Assert.Equal((ushort)0x011, k.TcpFlags);
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.IPv6 | FlowKeyLayers.Tcp, Layers(k));
    }

    [Fact]
    public void Ipv6Udp()
    {
        FlowKey k = Extract(PacketFactory.Ipv6Udp(srcPort: 546, dstPort: 547));
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)546, k.TpSrc);
        Assert.Equal((ushort)547, k.TpDst);
    }

    [Fact]
    public void Icmpv6_TypeAndCode()
    {
        FlowKey k = Extract(PacketFactory.Icmpv6(type: 135, code: 0));
        Assert.Equal((byte)58, k.NwProto);
        Assert.Equal((ushort)135, k.TpSrc);
        Assert.Equal((ushort)0, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Icmpv6));
    }

    [Fact]
    public void Ipv6HopByHopThenUdp_IsWalked()
    {
        byte[] frame = Ipv6WithExtension(nextHeaderOfExtension: 17, extensionType: 0, extension: [17, 0, 1, 4, 0, 0, 0, 0]);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)5353, k.TpSrc);
        Assert.Equal((ushort)53, k.TpDst);
    }

    [Fact]
    public void Ipv6LaterFragment_StopsAtFragmentHeader()
    {
        // Fragment header: next=UDP, reserved, offset 2 (units of 8) with M=1.
        byte[] frame = Ipv6WithExtension(17, 44, [17, 0, 0x00, 0x11, 0, 0, 0, 9]);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((byte)3, k.NwFrag);
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)0, k.TpDst);
    }

    [Fact]
    public void Ipv6FirstFragment_ParsesPorts()
    {
        byte[] frame = Ipv6WithExtension(17, 44, [17, 0, 0x00, 0x01, 0, 0, 0, 9]);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((byte)1, k.NwFrag);
        Assert.Equal((ushort)53, k.TpDst);
    }

    [Fact]
    public void Arp_RequestAndReply()
    {
        FlowKey req = Extract(PacketFactory.Arp(1, "10.1.1.1", "10.1.1.254"));
        Assert.Equal((ushort)0x0806, req.DlType);
        Assert.Equal((ushort)1, req.ArpOp);
        Assert.Equal(V4("10.1.1.1"), req.NwSrc);
        Assert.Equal(V4("10.1.1.254"), req.NwDst);
        Assert.True(Layers(req).HasFlag(FlowKeyLayers.Arp));
        Assert.Equal((ushort)2, Extract(PacketFactory.Arp(2)).ArpOp);
    }

    [Fact]
    public void Arp_WithNonEthernetHardware_HasNoArpFields()
    {
        byte[] frame = PacketFactory.Arp();
        frame[15] = 6;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((ushort)0x0806, k.DlType);
        Assert.Equal((ushort)0, k.ArpOp);
        Assert.Equal(0u, k.NwSrc);
    }

    [Fact]
    public void SingleVlanTag_SetsTciWithPresentBit()
    {
        byte[] frame = PacketFactory.WithVlan(PacketFactory.Ipv4Udp(dstPort: 4789), vid: 100, pcp: 5);
        FlowKey k = Extract(frame);
        Assert.Equal((ushort)(0x1000 | (5 << 13) | 100), k.VlanTci);
        Assert.Equal((ushort)0, k.InnerVlanTci);
        Assert.Equal((ushort)0x0800, k.DlType);
        Assert.Equal((ushort)4789, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Vlan));
    }

    [Fact]
    public void VlanZero_IsStillTagged()
    {
        FlowKey k = Extract(PacketFactory.WithVlan(PacketFactory.Ipv4Udp(), vid: 0));
        Assert.Equal((ushort)0x1000, k.VlanTci);
    }

    [Fact]
    public void QinQ_OuterServiceTagIsTheVlan_CustomerTagIsInner()
    {
        byte[] inner = PacketFactory.WithVlan(PacketFactory.Ipv4Tcp(dstPort: 8080), vid: 20, pcp: 1);
        byte[] frame = PacketFactory.WithVlan(inner, vid: 300, pcp: 3, tpid: EtherType.QinQ);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 2, out FlowKey k));
        // OpenFlow's VLAN_VID is the outermost tag's.
        Assert.Equal((ushort)(0x1000 | (3 << 13) | 300), k.VlanTci);
        Assert.Equal((ushort)(0x1000 | (1 << 13) | 20), k.InnerVlanTci);
        Assert.Equal((ushort)0x0800, k.DlType);
        Assert.Equal((ushort)8080, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.InnerVlan | FlowKeyLayers.Vlan));
    }

    [Fact]
    public void LoneServiceTag_CountsAsTheVlan()
    {
        FlowKey k = Extract(PacketFactory.WithVlan(PacketFactory.Ipv4Udp(), vid: 42, tpid: EtherType.QinQ));
        Assert.Equal((ushort)(0x1000 | 42), k.VlanTci);
        Assert.Equal((ushort)0, k.InnerVlanTci);
    }

    [Fact]
    public void Ieee8023LengthFrame_GetsDlTypeNone()
    {
        byte[] frame = PacketFactory.Ethernet(PacketFactory.DefaultSrc, PacketFactory.DefaultDst, 46, [0x42, 0x42, 0x03, 1, 2, 3], pad: true);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal(FlowKeyExtractor.DlTypeNone, k.DlType);
    }

    [Fact]
    public void LlcSnap_CarriesTheEtherType()
    {
        byte[] snap = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06];
        byte[] frame = PacketFactory.Ethernet(PacketFactory.DefaultSrc, PacketFactory.DefaultDst, 8, snap, pad: true);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((ushort)0x0806, k.DlType);
    }

    [Fact]
    public void Ipv4TotalLengthBeyondFrame_IsMalformed()
    {
        byte[] frame = PacketFactory.Ipv4Tcp();
        frame[14 + 2] = 0x7f;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((ushort)0x0800, k.DlType);
        Assert.Equal(0u, k.NwSrc);
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.Malformed, Layers(k));
    }

    [Fact]
    public void Ipv4BadIhl_IsMalformed()
    {
        byte[] frame = PacketFactory.Ipv4Tcp();
        frame[14] = 0x44;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.Malformed, Layers(k));
    }

    [Fact]
    public void Ipv4EthernetPadding_IsIgnoredForTransport()
    {
        // A TCP header cut by the IPv4 total length must not be read from the Ethernet padding after it.
        byte[] frame = PacketFactory.Ipv4Tcp();
        frame[14 + 3] = 30;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.IPv4));
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Malformed));
        Assert.Equal((ushort)0, k.TpDst);
    }

    [Fact]
    public void TcpDataOffsetTooSmall_IsMalformed()
    {
        byte[] frame = PacketFactory.Ipv4Tcp();
        frame[14 + 20 + 12] = 0x40;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.False(Layers(k).HasFlag(FlowKeyLayers.Tcp));
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Malformed));
        Assert.Equal((ushort)0, k.TpSrc);
    }

    [Fact]
    public void TruncatedVlanTag_IsMalformed()
    {
        byte[] frame = PacketFactory.WithVlan(PacketFactory.Ipv4Udp(), 5)[..16];
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((ushort)0, k.VlanTci);
        Assert.Equal((ushort)0, k.DlType);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Malformed));
    }

    private static byte[] Ipv6WithExtension(byte nextHeaderOfExtension, byte extensionType, byte[] extension)
    {
        byte[] plain = PacketFactory.Ipv6Udp();
        Assert.Equal(nextHeaderOfExtension, extension[0]);
        byte[] frame = [.. plain.AsSpan(0, 54), .. extension, .. plain.AsSpan(54)];
        frame[14 + 6] = extensionType;
        int payload = (frame[14 + 4] << 8) | frame[14 + 5];
        payload += extension.Length;
        frame[14 + 4] = (byte)(payload >> 8);
        frame[14 + 5] = (byte)payload;
        return frame;
    }
}
