using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using Xunit;
using static VSwitch.Flows.Tests.Keys.PacketOracle;

namespace VSwitch.Flows.Tests.Syntax;

public sealed class FlowParserMatchTests
{
    private static readonly ManualClock s_clock = new() { NowMilliseconds = 5000 };

    private static FlowMatch M(string text) => FlowParser.ParseFlow(text + ",actions=drop", s_clock, TestPorts.Instance).Match;

    [Fact]
    public void Defaults_for_priority_cookie_and_timeouts()
    {
        FlowRule r = FlowParser.ParseFlow("actions=normal", s_clock);
        Assert.Equal(FlowRule.DefaultPriority, r.Priority);
        Assert.Equal(0UL, r.Cookie);
        Assert.Equal(0, r.IdleTimeout);
        Assert.Equal(0, r.HardTimeout);
        Assert.Equal(5000, r.CreatedMs);
        Assert.True(r.Match.Mask.IsCatchAll);
    }

    [Fact]
    public void Flow_settings()
    {
        FlowRule r = FlowParser.ParseFlow("priority=65535 cookie=0xdeadbeef idle_timeout=10 hard_timeout=0x20 actions=normal", s_clock);
        Assert.Equal(65535, r.Priority);
        Assert.Equal(0xdeadbeefUL, r.Cookie);
        Assert.Equal(10, r.IdleTimeout);
        Assert.Equal(32, r.HardTimeout);
    }

    [Theory]
    [InlineData("in_port=5", 5)]
    [InlineData("in_port=vm2", 2)]
    [InlineData("in_port=LOCAL", 0xfffe)]
    [InlineData("in_port=0x10", 16)]
    public void In_port(string text, int port)
    {
        FlowMatch m = M(text);
        Assert.Equal((ushort)port, m.Key.InPort);
        Assert.Equal(ushort.MaxValue, m.Mask.InPort);
    }

    [Fact]
    public void Dl_src_and_dl_dst_with_and_without_mask()
    {
        FlowMatch m = M("dl_src=52:54:00:AB:cd:01,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00");
        Assert.Equal(0x525400abcd01UL, m.Key.DlSrc);
        Assert.Equal(0xffffffffffffUL, m.Mask.DlSrc);
        Assert.Equal(0x010000000000UL, m.Key.DlDst);
        Assert.Equal(0x010000000000UL, m.Mask.DlDst);
    }

    [Fact]
    public void Dl_type_and_shorthands()
    {
        Assert.Equal((ushort)0x88cc, M("dl_type=0x88cc").Key.DlType);
        AssertProto("ip", 0x0800, null);
        AssertProto("ipv6", 0x86dd, null);
        AssertProto("arp", 0x0806, null);
        AssertProto("rarp", 0x8035, null);
        AssertProto("tcp", 0x0800, 6);
        AssertProto("udp", 0x0800, 17);
        AssertProto("sctp", 0x0800, 132);
        AssertProto("icmp", 0x0800, 1);
        AssertProto("tcp6", 0x86dd, 6);
        AssertProto("udp6", 0x86dd, 17);
        AssertProto("sctp6", 0x86dd, 132);
        AssertProto("icmp6", 0x86dd, 58);
    }

    [Fact]
    public void VLAN_forms()
    {
        FlowMatch vid = M("dl_vlan=100");
        Assert.Equal((ushort)0x1064, vid.Key.VlanTci);
        Assert.Equal((ushort)0x1fff, vid.Mask.VlanTci);
        FlowMatch none = M("dl_vlan=0xffff");
        Assert.Equal((ushort)0, none.Key.VlanTci);
        Assert.Equal((ushort)0xffff, none.Mask.VlanTci);
        FlowMatch pcp = M("dl_vlan_pcp=5");
        Assert.Equal((ushort)0xb000, pcp.Key.VlanTci);
        Assert.Equal((ushort)0xf000, pcp.Mask.VlanTci);
        FlowMatch both = M("dl_vlan=7,dl_vlan_pcp=1");
        Assert.Equal((ushort)0x3007, both.Key.VlanTci);
        Assert.Equal((ushort)0xffff, both.Mask.VlanTci);
        FlowMatch tci = M("vlan_tci=0x1000/0x1000");
        Assert.Equal((ushort)0x1000, tci.Key.VlanTci);
        Assert.Equal((ushort)0x1000, tci.Mask.VlanTci);
        Assert.Equal((ushort)0x1005, M("inner_vlan_tci=0x1005").Key.InnerVlanTci);
    }

    [Fact]
    public void The_older_outer_vlan_tci_name_loads_as_the_outermost_tag_with_the_old_vlan_tci_as_the_inner_one()
    {
        // Stored flows of earlier releases: outer_vlan_tci was the 802.1ad tag, vlan_tci the inner (or only) tag.
        FlowMatch qinq = M("outer_vlan_tci=0x1064,vlan_tci=0x1005");
        Assert.Equal((ushort)0x1064, qinq.Key.VlanTci);
        Assert.Equal((ushort)0xffff, qinq.Mask.VlanTci);
        Assert.Equal((ushort)0x1005, qinq.Key.InnerVlanTci);
        Assert.Equal((ushort)0xffff, qinq.Mask.InnerVlanTci);
        // An outer tag alone still asks for a second tag, as it did: only double-tagged frames had one.
        FlowMatch outerOnly = M("outer_vlan_tci=0x1064");
        Assert.Equal((ushort)0x1064, outerOnly.Key.VlanTci);
        Assert.Equal((ushort)0x1000, outerOnly.Key.InnerVlanTci);
        Assert.Equal((ushort)0x1000, outerOnly.Mask.InnerVlanTci);
        // "No outer tag" keeps vlan_tci as the lone tag and refuses a second one.
        FlowMatch single = M("outer_vlan_tci=0/0x1000,dl_vlan=7");
        Assert.Equal((ushort)0x1007, single.Key.VlanTci);
        Assert.Equal((ushort)0, single.Key.InnerVlanTci);
        Assert.Equal((ushort)0x1000, single.Mask.InnerVlanTci);
        Assert.Throws<FlowParseException>(() => M("outer_vlan_tci=0x1064,inner_vlan_tci=0x1005"));
        string written = FlowFormatter.Format(FlowParser.ParseFlow("outer_vlan_tci=0x1064,vlan_tci=0x1005,actions=drop", s_clock, TestPorts.Instance));
        Assert.DoesNotContain("outer_vlan_tci", written, StringComparison.Ordinal);
        FlowMatch again = M(written[..written.IndexOf(",actions=", StringComparison.Ordinal)]);
        Assert.Equal(qinq.Key.VlanTci, again.Key.VlanTci);
        Assert.Equal(qinq.Mask.VlanTci, again.Mask.VlanTci);
        Assert.Equal(qinq.Key.InnerVlanTci, again.Key.InnerVlanTci);
        Assert.Equal(qinq.Mask.InnerVlanTci, again.Mask.InnerVlanTci);
    }

    [Fact]
    public void IPv4_addresses_in_CIDR_and_dotted_mask_form()
    {
        FlowMatch m = M("ip,nw_src=10.1.2.3,nw_dst=192.168.0.0/16");
        Assert.Equal(V4("10.1.2.3"), m.Key.NwSrc);
        Assert.Equal(uint.MaxValue, m.Mask.NwSrc);
        Assert.Equal(V4("192.168.0.0"), m.Key.NwDst);
        Assert.Equal(0xffff0000u, m.Mask.NwDst);
        FlowMatch dotted = M("ip,nw_dst=10.0.0.7/255.0.0.255");
        Assert.Equal(0xff0000ffu, dotted.Mask.NwDst);
        Assert.Equal(V4("10.0.0.7"), dotted.Key.NwDst);
        Assert.Equal(0u, M("ip,nw_src=1.2.3.4/0").Mask.NwSrc);
    }

    [Fact]
    public void ARP_fields()
    {
        FlowMatch m = M("arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,arp_op=2");
        Assert.Equal(V4("10.0.0.1"), m.Key.NwSrc);
        Assert.Equal(0xffffff00u, m.Mask.NwDst);
        Assert.Equal((ushort)2, m.Key.ArpOp);
        Assert.Equal(V4("10.0.0.9"), M("arp,nw_dst=10.0.0.9").Key.NwDst);
    }

    [Fact]
    public void IPv6_addresses()
    {
        FlowMatch m = M("ipv6,ipv6_src=2001:db8::1,ipv6_dst=fe80::/10");
        Assert.Equal(V6("2001:db8::1"), m.Key.Ipv6Src);
        Assert.Equal(UInt128.MaxValue, m.Mask.Ipv6Src);
        Assert.Equal(V6("fe80::"), m.Key.Ipv6Dst);
        Assert.Equal(UInt128.MaxValue << 118, m.Mask.Ipv6Dst);
        Assert.Equal(V6("ffff:ffff::"), M("ipv6,ipv6_src=2001:db8::/ffff:ffff::").Mask.Ipv6Src);
    }

    [Fact]
    public void IP_fields()
    {
        FlowMatch m = M("ip,nw_proto=47,nw_tos=184,nw_ecn=3,nw_ttl=1");
        Assert.Equal((byte)47, m.Key.NwProto);
        Assert.Equal((byte)0xbb, m.Key.NwTos);
        Assert.Equal((byte)0xff, m.Mask.NwTos);
        Assert.Equal((byte)1, m.Key.NwTtl);
        Assert.Equal((byte)0xfc, M("ipv6,nw_tos=8").Mask.NwTos);
    }

    [Theory]
    [InlineData("no", 0, 1)]
    [InlineData("yes", 1, 1)]
    [InlineData("first", 1, 3)]
    [InlineData("later", 3, 3)]
    [InlineData("not_later", 0, 2)]
    [InlineData("2/2", 2, 2)]
    public void IP_frag(string value, int v, int m)
    {
        FlowMatch match = M("ip,ip_frag=" + value);
        Assert.Equal((byte)v, match.Key.NwFrag);
        Assert.Equal((byte)m, match.Mask.NwFrag);
    }

    [Fact]
    public void Transport_ports_with_mask()
    {
        FlowMatch m = M("tcp,tp_src=1024,tp_dst=0x1000/0xf000");
        Assert.Equal((ushort)1024, m.Key.TpSrc);
        Assert.Equal(ushort.MaxValue, m.Mask.TpSrc);
        Assert.Equal((ushort)0x1000, m.Key.TpDst);
        Assert.Equal((ushort)0xf000, m.Mask.TpDst);
        Assert.Equal((ushort)53, M("udp6,tp_dst=53").Key.TpDst);
        Assert.Equal((ushort)9, M("sctp,tp_src=9").Key.TpSrc);
    }

    [Theory]
    [InlineData("+syn", 0x002, 0x002)]
    [InlineData("+syn-ack", 0x002, 0x012)]
    [InlineData("-rst-fin+psh", 0x008, 0x00d)]
    [InlineData("+ns+cwr+ece+urg", 0x1e0, 0x1e0)]
    [InlineData("0x12", 0x012, 0xfff)]
    [InlineData("0x12/0x12", 0x012, 0x012)]
    public void TCP_flags(string value, int v, int m)
    {
        FlowMatch match = M("tcp,tcp_flags=" + value);
        Assert.Equal((ushort)v, match.Key.TcpFlags);
        Assert.Equal((ushort)m, match.Mask.TcpFlags);
    }

    [Fact]
    public void ICMP_type_and_code()
    {
        FlowMatch m = M("icmp,icmp_type=8,icmp_code=0");
        Assert.Equal((ushort)8, m.Key.TpSrc);
        Assert.Equal(ushort.MaxValue, m.Mask.TpSrc);
        Assert.Equal(ushort.MaxValue, m.Mask.TpDst);
        Assert.Equal((ushort)135, M("icmp6,icmp_type=135").Key.TpSrc);
    }

    [Fact]
    public void Separators_commas_and_spaces_and_the_colon_form()
    {
        FlowMatch a = M("tcp, in_port=1  tp_dst:80");
        FlowMatch b = M("tcp,in_port=1,tp_dst=80");
        Assert.Equal(b, a);
    }

    [Fact]
    public void A_prerequisite_after_the_field_is_accepted()
    {
        Assert.Equal(M("ip,nw_src=1.1.1.1"), M("nw_src=1.1.1.1,ip"));
    }

    [Fact]
    public void A_repeated_agreeing_field_is_accepted()
    {
        Assert.Equal(M("tcp"), M("tcp,ip,dl_type=0x0800,nw_proto=6"));
    }

    [Fact]
    public void ParseMatch_returns_priority_and_ignores_timeouts()
    {
        FlowMatch m = FlowParser.ParseMatch("priority=7,idle_timeout=5,in_port=vm1,actions=output:2", TestPorts.Instance, out int? priority, out var actions);
        Assert.Equal(7, priority);
        Assert.Equal((ushort)1, m.Key.InPort);
        Assert.NotNull(actions);
        FlowParser.ParseMatch("", null, out int? none);
        Assert.Null(none);
        Assert.Equal(FlowMatch.CatchAll, FlowParser.ParseMatch("", null, out _));
    }

    [Fact]
    public void A_parsed_match_selects_the_extracted_packet()
    {
        byte[] frame = PacketFactory.Ipv4Tcp("10.0.0.5", "10.0.1.9", 3333, 22, tcpFlags: 0x002);
        Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey key));
        Assert.True(M("tcp,in_port=vm1,nw_src=10.0.0.0/24,nw_dst=10.0.1.9,tp_dst=22,tcp_flags=+syn-ack").Matches(key));
        Assert.False(M("tcp,in_port=vm2").Matches(key));
        Assert.False(M("udp").Matches(key));
        Assert.False(M("tcp,tcp_flags=+ack").Matches(key));
        Assert.True(M("dl_vlan=0xffff").Matches(key));
        Assert.False(M("dl_vlan=0").Matches(key));
    }

    private static void AssertProto(string shorthand, ushort dlType, byte? proto)
    {
        FlowMatch m = M(shorthand);
        Assert.Equal(dlType, m.Key.DlType);
        Assert.Equal(ushort.MaxValue, m.Mask.DlType);
        Assert.Equal(proto ?? 0, m.Key.NwProto);
        Assert.Equal(proto is null ? 0 : 0xff, m.Mask.NwProto);
    }
}
