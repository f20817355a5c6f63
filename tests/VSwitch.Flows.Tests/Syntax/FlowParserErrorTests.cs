using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Syntax;

/// <summary>Every parser error names the problem, the offending token and the position where it starts.</summary>
public sealed class FlowParserErrorTests
{
    private static readonly ManualClock s_clock = new();

    [Theory]
    [InlineData("in_port=1,bogus=3,actions=drop", "unknown field", "bogus", 10)]
    [InlineData("nw_src=10.0.0.1,actions=drop", "requires ip or arp", "nw_src=10.0.0.1", 0)]
    [InlineData("ip,nw_src=10.0.0.300,actions=drop", "IPv4 address", "10.0.0.300", 10)]
    [InlineData("ip,nw_src=10.0.0.0/33,actions=drop", "prefix length 0-32", "33", 19)]
    [InlineData("tp_dst=80,actions=drop", "requires tcp, udp or sctp", "tp_dst=80", 0)]
    [InlineData("ip,tp_dst=80,actions=drop", "requires tcp, udp or sctp", "tp_dst=80", 3)]
    [InlineData("udp,tcp_flags=+syn,actions=drop", "requires tcp or tcp6", "tcp_flags=+syn", 4)]
    [InlineData("tcp,tcp_flags=+syn-bogus,actions=drop", "unknown flag", "-bogus", 18)]
    [InlineData("tcp,tcp_flags=0x1000,actions=drop", "number from 0 to 4095", "0x1000", 14)]
    [InlineData("dl_vlan=4096,actions=drop", "0 to 4095", "4096", 8)]
    [InlineData("dl_vlan_pcp=8,actions=drop", "0 to 7", "8", 12)]
    [InlineData("priority=70000,actions=drop", "priority must be a number from 0 to 65535", "70000", 9)]
    [InlineData("in_port=vm9,actions=drop", "no port has this name", "vm9", 8)]
    [InlineData("tcp,udp,actions=drop", "contradicts", "udp", 4)]
    [InlineData("dl_src=00:11:22:33:44,actions=drop", "MAC address", "00:11:22:33:44", 7)]
    [InlineData("dl_dst=00:11:22:33:44:55/ff,actions=drop", "mask must be a MAC", "ff", 25)]
    [InlineData("ip,nw_tos=3,actions=drop", "ECN bits clear", "3", 10)]
    [InlineData("ip,nw_ecn=4,actions=drop", "nw_ecn must be 0 to 3", "4", 10)]
    [InlineData("tcp=1,actions=drop", "takes no value", "tcp=1", 0)]
    [InlineData("icmp_type=8,actions=drop", "requires icmp or icmp6", "icmp_type=8", 0)]
    [InlineData("tcp,icmp_code=1,actions=drop", "requires icmp or icmp6", "icmp_code=1", 4)]
    [InlineData("ip,ipv6_src=::1,actions=drop", "requires ipv6", "ipv6_src=::1", 3)]
    [InlineData("ipv6,ipv6_dst=2001:db8::1/129,actions=drop", "0-128", "129", 26)]
    [InlineData("ipv6,ipv6_dst=10.0.0.1,actions=drop", "IPv6 address", "10.0.0.1", 14)]
    [InlineData("ip,arp_spa=1.2.3.4,actions=drop", "requires arp", "arp_spa=1.2.3.4", 3)]
    [InlineData("nw_proto=6,actions=drop", "requires ip or ipv6", "nw_proto=6", 0)]
    [InlineData("ip,nw_ttl=256,actions=drop", "0 to 255", "256", 10)]
    [InlineData("ip,ip_frag=maybe,actions=drop", "ip_frag must be", "maybe", 11)]
    [InlineData("in_port=,actions=drop", "needs a value", "in_port=", 0)]
    [InlineData("idle_timeout=-1,actions=drop", "idle_timeout must be", "-1", 13)]
    [InlineData("tcp,tp_dst=80", "needs actions", "tcp,tp_dst=80", 13)]
    [InlineData("actions=output:1,bogus", "unknown action", "bogus", 17)]
    [InlineData("actions=drop,output:1", "drop must be the only action", "drop", 8)]
    [InlineData("actions=mod_vlan_vid:4096", "0 to 4095", "4096", 21)]
    [InlineData("actions=mod_vlan_pcp:8", "0 to 7", "8", 21)]
    [InlineData("actions=push_vlan:0x9100", "0x8100 or 0x88a8", "0x9100", 18)]
    [InlineData("actions=output:", "needs an argument", "output:", 8)]
    [InlineData("actions=output:0", "output port must be", "0", 15)]
    [InlineData("actions=output:0xff01", "output port must be", "0xff01", 15)]
    [InlineData("actions=output:0xfff9", "output port must be", "0xfff9", 15)]
    [InlineData("actions=normal:3", "takes no argument", "normal:3", 8)]
    [InlineData("actions=mod_dl_src:zz", "MAC address", "zz", 19)]
    [InlineData("actions=set_tunnel:", "needs an argument", "set_tunnel:", 8)]
    [InlineData("actions=set_tunnel:vni5", "tun_id must be a number", "vni5", 19)]
    [InlineData("actions=set_tunnel64:0x10000000000000000", "tun_id must be a number", "0x10000000000000000", 21)]
    [InlineData("actions=set_tunnel:18446744073709551616", "tun_id must be a number", "18446744073709551616", 19)]
    [InlineData("priority=1, actions= output:vm9", "no port has this name", "vm9", 28)]
    public void ParseFlow_errors(string text, string problem, string token, int position)
    {
        FlowParseException e = Assert.Throws<FlowParseException>(() => FlowParser.ParseFlow(text, s_clock, TestPorts.Instance));
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.Equal(token, e.Token);
        Assert.Equal(position, e.Position);
        if (position < text.Length)
        {
            Assert.Equal(token, text.Substring(position, token.Length));
        }
        Assert.Contains($"position {position}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Port_names_without_a_port_table_say_why()
    {
        FlowParseException e = Assert.Throws<FlowParseException>(() => FlowParser.ParseFlow("in_port=vm1,actions=drop", s_clock));
        Assert.Contains("port table", e.Problem, StringComparison.Ordinal);
        Assert.Equal(8, e.Position);
    }

    [Fact]
    public void ParseMatch_refuses_cookie_selection()
    {
        FlowParseException e = Assert.Throws<FlowParseException>(() => FlowParser.ParseMatch("in_port=1,cookie=0x5", null, out _));
        Assert.Equal("cookie=0x5", e.Token);
        Assert.Equal(10, e.Position);
    }

    [Fact]
    public void ParseActions_positions_are_relative_to_the_action_text()
    {
        FlowParseException e = Assert.Throws<FlowParseException>(() => FlowParser.ParseActions("normal, frobnicate"));
        Assert.Equal("frobnicate", e.Token);
        Assert.Equal(8, e.Position);
    }

    [Fact]
    public void ParseException_is_a_FormatException()
    {
        Assert.ThrowsAny<FormatException>(() => FlowParser.ParseActions("x:y"));
    }
}
