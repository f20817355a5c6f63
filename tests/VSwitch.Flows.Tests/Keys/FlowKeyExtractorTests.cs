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
    public void A_runt_is_rejected_with_only_the_in_port_set()
    {
        Assert.False(FlowKeyExtractor.TryExtract(new byte[13], 3, out FlowKey key));
        FlowKey expected = default;
        expected.InPort = 3;
        Assert.Equal(expected, key);
    }

    [Fact]
    public void A_bare_Ethernet_header_gives_addresses_and_type()
    {
        byte[] frame = PacketFactory.Ethernet(new MacAddress(0x0a0b0c0d0e0f), MacAddress.Broadcast, 0x88cc, []);
        FlowKey k = Extract(frame);
        Assert.Equal(0x0a0b0c0d0e0fUL, k.DlSrc);
        Assert.Equal(0xffffffffffffUL, k.DlDst);
        Assert.Equal((ushort)0x88cc, k.DlType);
        Assert.Equal(FlowKeyLayers.Ethernet, Layers(k));
    }

    [Fact]
    public void IPv4_TCP_fields_and_flags()
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
    public void TCP_flags_each_bit(ushort flags)
    {
        Assert.Equal(flags, Extract(PacketFactory.Ipv4Tcp(tcpFlags: flags)).TcpFlags);
    }

    [Fact]
    public void IPv4_UDP()
    {
        FlowKey k = Extract(PacketFactory.Ipv4Udp("1.2.3.4", "5.6.7.8", 68, 67));
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)68, k.TpSrc);
        Assert.Equal((ushort)67, k.TpDst);
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.IPv4 | FlowKeyLayers.Udp, Layers(k));
    }

    [Fact]
    public void IPv4_ICMP_type_and_code_go_to_ports()
    {
        FlowKey k = Extract(PacketFactory.Ipv4Icmp(type: 3, code: 4));
        Assert.Equal((byte)1, k.NwProto);
        Assert.Equal((ushort)3, k.TpSrc);
        Assert.Equal((ushort)4, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Icmp));
    }

    [Fact]
    public void IPv4_SCTP_ports()
    {
        FlowKey k = Extract(PacketFactory.Ipv4Sctp(2905, 2906));
        Assert.Equal((byte)132, k.NwProto);
        Assert.Equal((ushort)2905, k.TpSrc);
        Assert.Equal((ushort)2906, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Sctp));
    }

    [Fact]
    public void IPv4_options_are_skipped_using_IHL()
    {
        byte[] options = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00];
        byte[] frame = PacketFactory.WithIpv4Options(PacketFactory.Ipv4Tcp(srcPort: 1111, dstPort: 2222), options);
        FlowKey k = Extract(frame);
        Assert.Equal((ushort)1111, k.TpSrc);
        Assert.Equal((ushort)2222, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Tcp));
    }

    [Fact]
    public void An_IPv4_first_fragment_has_frag_bits_and_ports()
    {
        Assert.True(FlowKeyExtractor.TryExtract(PacketFactory.Ipv4Fragment(moreFragments: true, offsetUnits: 0), 1, out FlowKey k));
        Assert.Equal((byte)1, k.NwFrag);
        Assert.Equal((ushort)5353, k.TpSrc);
        Assert.Equal((ushort)53, k.TpDst);
    }

    [Fact]
    public void An_IPv4_later_fragment_has_no_ports()
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
    public void IPv4_dont_fragment_alone_is_not_a_fragment()
    {
        byte[] frame = PacketFactory.Ipv4Udp();
        frame[14 + 6] = 0x40;
        Assert.Equal((byte)0, Extract(frame).NwFrag);
    }

    [Fact]
    public void IPv6_TCP()
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
    public void IPv6_UDP()
    {
        FlowKey k = Extract(PacketFactory.Ipv6Udp(srcPort: 546, dstPort: 547));
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)546, k.TpSrc);
        Assert.Equal((ushort)547, k.TpDst);
    }

    [Fact]
    public void ICMPv6_type_and_code()
    {
        FlowKey k = Extract(PacketFactory.Icmpv6(type: 135, code: 0));
        Assert.Equal((byte)58, k.NwProto);
        Assert.Equal((ushort)135, k.TpSrc);
        Assert.Equal((ushort)0, k.TpDst);
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Icmpv6));
    }

    [Fact]
    public void IPv6_hop_by_hop_then_UDP_is_walked()
    {
        byte[] frame = Ipv6WithExtension(nextHeaderOfExtension: 17, extensionType: 0, extension: [17, 0, 1, 4, 0, 0, 0, 0]);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)5353, k.TpSrc);
        Assert.Equal((ushort)53, k.TpDst);
    }

    [Fact]
    public void An_IPv6_later_fragment_stops_at_the_fragment_header()
    {
        // Fragment header: next=UDP, reserved, offset 2 (units of 8) with M=1.
        byte[] frame = Ipv6WithExtension(17, 44, [17, 0, 0x00, 0x11, 0, 0, 0, 9]);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((byte)3, k.NwFrag);
        Assert.Equal((byte)17, k.NwProto);
        Assert.Equal((ushort)0, k.TpDst);
    }

    [Fact]
    public void An_IPv6_first_fragment_parses_ports()
    {
        byte[] frame = Ipv6WithExtension(17, 44, [17, 0, 0x00, 0x01, 0, 0, 0, 9]);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((byte)1, k.NwFrag);
        Assert.Equal((ushort)53, k.TpDst);
    }

    [Fact]
    public void ARP_request_and_reply()
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
    public void ARP_with_non_Ethernet_hardware_has_no_ARP_fields()
    {
        byte[] frame = PacketFactory.Arp();
        frame[15] = 6;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((ushort)0x0806, k.DlType);
        Assert.Equal((ushort)0, k.ArpOp);
        Assert.Equal(0u, k.NwSrc);
    }

    [Fact]
    public void A_single_VLAN_tag_sets_TCI_with_the_present_bit()
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
    public void VLAN_zero_is_still_tagged()
    {
        FlowKey k = Extract(PacketFactory.WithVlan(PacketFactory.Ipv4Udp(), vid: 0));
        Assert.Equal((ushort)0x1000, k.VlanTci);
    }

    [Fact]
    public void QinQ_outer_service_tag_is_the_vlan_and_the_customer_tag_is_inner()
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
    public void A_lone_service_tag_counts_as_the_VLAN()
    {
        FlowKey k = Extract(PacketFactory.WithVlan(PacketFactory.Ipv4Udp(), vid: 42, tpid: EtherType.QinQ));
        Assert.Equal((ushort)(0x1000 | 42), k.VlanTci);
        Assert.Equal((ushort)0, k.InnerVlanTci);
    }

    [Fact]
    public void An_IEEE_802_3_length_frame_gets_DlTypeNone()
    {
        byte[] frame = PacketFactory.Ethernet(PacketFactory.DefaultSrc, PacketFactory.DefaultDst, 46, [0x42, 0x42, 0x03, 1, 2, 3], pad: true);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal(FlowKeyExtractor.DlTypeNone, k.DlType);
    }

    [Fact]
    public void LLC_SNAP_carries_the_EtherType()
    {
        byte[] snap = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06];
        byte[] frame = PacketFactory.Ethernet(PacketFactory.DefaultSrc, PacketFactory.DefaultDst, 8, snap, pad: true);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((ushort)0x0806, k.DlType);
    }

    [Fact]
    public void IPv4_total_length_beyond_the_frame_is_malformed()
    {
        byte[] frame = PacketFactory.Ipv4Tcp();
        frame[14 + 2] = 0x7f;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal((ushort)0x0800, k.DlType);
        Assert.Equal(0u, k.NwSrc);
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.Malformed, Layers(k));
    }

    [Fact]
    public void IPv4_bad_IHL_is_malformed()
    {
        byte[] frame = PacketFactory.Ipv4Tcp();
        frame[14] = 0x44;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.Equal(FlowKeyLayers.Ethernet | FlowKeyLayers.Malformed, Layers(k));
    }

    [Fact]
    public void IPv4_Ethernet_padding_is_ignored_for_transport()
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
    public void TCP_data_offset_too_small_is_malformed()
    {
        byte[] frame = PacketFactory.Ipv4Tcp();
        frame[14 + 20 + 12] = 0x40;
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey k));
        Assert.False(Layers(k).HasFlag(FlowKeyLayers.Tcp));
        Assert.True(Layers(k).HasFlag(FlowKeyLayers.Malformed));
        Assert.Equal((ushort)0, k.TpSrc);
    }

    [Fact]
    public void A_truncated_VLAN_tag_is_malformed()
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
