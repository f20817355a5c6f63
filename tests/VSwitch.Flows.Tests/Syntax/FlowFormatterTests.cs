using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Syntax;

public sealed class FlowFormatterTests
{
    private static readonly ManualClock s_clock = new() { NowMilliseconds = 1000 };

    /// <summary>Input in any order and spelling → OVS's canonical text, which must parse back to the same flow.</summary>
    [Theory]
    [InlineData("actions=normal", "priority=32768,actions=normal")]
    [InlineData("priority=0,actions=NORMAL", "priority=0,actions=normal")]
    [InlineData("tp_dst=80 tcp in_port=1 priority=5 actions=output:2", "priority=5,tcp,in_port=vm1,tp_dst=80,actions=output:vm2")]
    [InlineData("in_port=3,actions=3", "priority=32768,in_port=3,actions=output:3")]
    [InlineData("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,dl_src=52:54:00:00:00:01,actions=flood",
        "priority=32768,dl_src=52:54:00:00:00:01,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=flood")]
    [InlineData("dl_type=0x88cc,actions=drop", "priority=32768,dl_type=0x88cc,actions=drop")]
    [InlineData("dl_vlan=100,actions=strip_vlan,output:2", "priority=32768,dl_vlan=100,actions=strip_vlan,output:vm2")]
    [InlineData("dl_vlan_pcp=3,dl_vlan=5,actions=all", "priority=32768,dl_vlan=5,dl_vlan_pcp=3,actions=all")]
    [InlineData("dl_vlan_pcp=3,actions=in_port", "priority=32768,dl_vlan_pcp=3,actions=in_port")]
    [InlineData("dl_vlan=0xffff,actions=mod_vlan_vid:10,mod_vlan_pcp:2,output:10",
        "priority=32768,vlan_tci=0x0000,actions=mod_vlan_vid:10,mod_vlan_pcp:2,output:uplink")]
    [InlineData("vlan_tci=0x1000/0x1000,actions=push_vlan:0x88a8,output:1", "priority=32768,vlan_tci=0x1000/0x1000,actions=push_vlan:0x88a8,output:vm1")]
    [InlineData("inner_vlan_tci=0x1064,actions=drop", "priority=32768,inner_vlan_tci=0x1064,actions=drop")]
    [InlineData("ip,nw_dst=10.0.0.0/255.255.255.0,nw_src=192.168.1.1,actions=drop", "priority=32768,ip,nw_src=192.168.1.1,nw_dst=10.0.0.0/24,actions=drop")]
    [InlineData("ip,nw_src=10.0.0.1/255.0.0.255,actions=drop", "priority=32768,ip,nw_src=10.0.0.1/255.0.0.255,actions=drop")]
    [InlineData("arp,nw_src=10.0.0.1,arp_op=1,actions=normal", "priority=32768,arp,arp_spa=10.0.0.1,arp_op=1,actions=normal")]
    [InlineData("rarp,arp_tpa=10.0.0.0/8,actions=normal", "priority=32768,rarp,arp_tpa=10.0.0.0/8,actions=normal")]
    [InlineData("ipv6,ipv6_src=2001:DB8:0:0::1,ipv6_dst=fe80::/10,actions=drop", "priority=32768,ipv6,ipv6_src=2001:db8::1,ipv6_dst=fe80::/10,actions=drop")]
    [InlineData("ipv6,ipv6_src=::/ffff::ffff,actions=drop", "priority=32768,ipv6,ipv6_src=::/ffff::ffff,actions=drop")]
    [InlineData("ip,nw_proto=47,actions=drop", "priority=32768,ip,nw_proto=47,actions=drop")]
    [InlineData("ipv6,nw_proto=6,actions=drop", "priority=32768,tcp6,actions=drop")]
    [InlineData("ip,nw_proto=58,actions=drop", "priority=32768,ip,nw_proto=58,actions=drop")]
    [InlineData("ip,nw_ttl=1,nw_ecn=2,nw_tos=0xb8,actions=drop", "priority=32768,ip,nw_tos=184,nw_ecn=2,nw_ttl=1,actions=drop")]
    [InlineData("ip,ip_frag=later,actions=drop", "priority=32768,ip,ip_frag=later,actions=drop")]
    [InlineData("ip,ip_frag=first,actions=drop", "priority=32768,ip,ip_frag=first,actions=drop")]
    [InlineData("ip,ip_frag=0/3,actions=drop", "priority=32768,ip,ip_frag=0,actions=drop")]
    [InlineData("udp,tp_src=0x1000/0xf000,actions=drop", "priority=32768,udp,tp_src=0x1000/0xf000,actions=drop")]
    [InlineData("sctp6,tp_dst=2905,actions=drop", "priority=32768,sctp6,tp_dst=2905,actions=drop")]
    [InlineData("tcp,tcp_flags=+syn-ack,actions=drop", "priority=32768,tcp,tcp_flags=+syn-ack,actions=drop")]
    [InlineData("tcp,tcp_flags=0x800/0x800,actions=drop", "priority=32768,tcp,tcp_flags=0x800/0x800,actions=drop")]
    [InlineData("icmp,icmp_type=8,icmp_code=0,actions=drop", "priority=32768,icmp,icmp_type=8,icmp_code=0,actions=drop")]
    [InlineData("icmp6,icmp_type=135,actions=drop", "priority=32768,icmp6,icmp_type=135,actions=drop")]
    [InlineData("in_port=LOCAL,actions=output:LOCAL,mod_dl_src:02:00:00:00:00:01,mod_dl_dst:02:00:00:00:00:02,output:11",
        "priority=32768,in_port=LOCAL,actions=output:LOCAL,mod_dl_src:02:00:00:00:00:01,mod_dl_dst:02:00:00:00:00:02,output:11")]
    [InlineData("hard_timeout=20,cookie=0x1f,idle_timeout=10,priority=1,actions=drop", "cookie=0x1f,idle_timeout=10,hard_timeout=20,priority=1,actions=drop")]
    [InlineData("in_port=1,tun_id=5,actions=drop", "priority=32768,tun_id=0x5,in_port=vm1,actions=drop")]
    [InlineData("tun_dst=10.0.0.0/24,tun_src=10.0.0.1,tun_id=0x5/0xff,actions=set_field:7->tun_id,set_field:10.1.1.1->tun_dst,output:1",
        "priority=32768,tun_id=0x5/0xff,tun_src=10.0.0.1,tun_dst=10.0.0.0/24,actions=set_field:0x7->tun_id,set_field:10.1.1.1->tun_dst,output:vm1")]
    [InlineData("ip,tunnel_id=3,actions=set_field:0x1->tunnel_id,normal", "priority=32768,ip,tun_id=0x3,actions=set_field:0x1->tun_id,normal")]
    [InlineData("actions=set_tunnel:5,output:1", "priority=32768,actions=set_field:0x5->tun_id,output:vm1")]
    [InlineData("actions=SET_TUNNEL64:0x123456789abcdef0,output:1", "priority=32768,actions=set_field:0x123456789abcdef0->tun_id,output:vm1")]
    public void Canonical_form_and_round_trip(string input, string canonical)
    {
        FlowRule parsed = FlowParser.ParseFlow(input, s_clock, TestPorts.Instance);
        string text = FlowFormatter.Format(parsed, TestPorts.Instance);
        Assert.Equal(canonical, text);
        AssertSameFlow(parsed, FlowParser.ParseFlow(text, s_clock, TestPorts.Instance));
        AssertSameFlow(parsed, FlowParser.ParseFlow(FlowFormatter.Format(parsed), s_clock));
    }

    [Fact]
    public void Without_a_port_table_prints_numbers()
    {
        FlowRule r = FlowParser.ParseFlow("in_port=vm1,actions=output:vm2", s_clock, TestPorts.Instance);
        Assert.Equal("priority=32768,in_port=1,actions=output:2", FlowFormatter.Format(r));
    }

    [Fact]
    public void Stats_like_dump_flows()
    {
        var clock = new ManualClock { NowMilliseconds = 10_000 };
        FlowRule r = FlowParser.ParseFlow("priority=10,idle_timeout=60,in_port=1,actions=output:2", clock);
        r.RecordHit(2, 120, 11_000);
        r.RecordHit(1, 60, 11_500);
        string text = FlowFormatter.Format(r, withStats: true, nowMs: 12_234);
        Assert.Equal("cookie=0x0, duration=2.234s, table=0, n_packets=3, n_bytes=180, idle_timeout=60, idle_age=0, priority=10,in_port=1,actions=output:2", text);
        Assert.Contains("idle_age=3,", FlowFormatter.Format(r, withStats: true, nowMs: 14_600), StringComparison.Ordinal);
    }

    [Fact]
    public void FormatMatch_and_FormatActions_alone()
    {
        Assert.Equal(string.Empty, FlowFormatter.FormatMatch(FlowMatch.CatchAll));
        Assert.Equal("drop", FlowFormatter.FormatActions(ActionList.DropAll));
        Assert.Equal("drop", FlowFormatter.FormatActions(new ActionList([new FlowAction(FlowActionKind.Drop, 0)])));
        Assert.Equal("udp,tp_dst=53", FlowFormatter.FormatMatch(FlowParser.ParseMatch("udp,tp_dst=53", null, out _)));
    }

    /// <summary>Seeded: random combinations of fields format and parse back to an equal flow.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_flows_round_trip(int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < 2000; i++)
        {
            FlowRule rule = RandomRules.Rule(rng, s_clock);
            string text = FlowFormatter.Format(rule, TestPorts.Instance);
            AssertSameFlow(rule, FlowParser.ParseFlow(text, s_clock, TestPorts.Instance));
        }
    }

    internal static void AssertSameFlow(FlowRule expected, FlowRule actual)
    {
        Assert.Equal(expected.Match, actual.Match);
        Assert.Equal(expected.Priority, actual.Priority);
        Assert.Equal(expected.Actions, actual.Actions);
        Assert.Equal(expected.Cookie, actual.Cookie);
        Assert.Equal(expected.IdleTimeout, actual.IdleTimeout);
        Assert.Equal(expected.HardTimeout, actual.HardTimeout);
    }
}
