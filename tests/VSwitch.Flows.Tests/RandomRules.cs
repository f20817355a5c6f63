using VSwitch.Core.Time;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;

namespace VSwitch.Flows.Tests;

/// <summary>
/// Seeded generators of flows (as ovs-ofctl text, so they also exercise the parser) and of packets that
/// are likely to hit them: values come from small pools so random rules and keys collide often.
/// </summary>
internal static class RandomRules
{
    private static readonly string[] s_ips = ["10.0.0.1", "10.0.0.2", "10.0.1.1", "192.168.0.1"];
    private static readonly string[] s_macs = ["02:00:00:00:00:01", "02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01"];
    private static readonly string[] s_v6 = ["2001:db8::1", "2001:db8::2", "fe80::1"];
    private static readonly string[] s_actions = ["normal", "drop", "output:1", "output:vm2", "flood", "all", "in_port",
        "mod_vlan_vid:7,output:3", "strip_vlan,normal", "push_vlan:0x8100,mod_vlan_pcp:3,output:10", "mod_dl_src:02:00:00:00:00:09,output:2"];

    public static FlowRule Rule(Random rng, IClock clock, int maxPriority = 65535) =>
        FlowParser.ParseFlow(Text(rng, maxPriority), clock, VSwitch.Flows.Tests.Syntax.TestPorts.Instance);

    public static string Text(Random rng, int maxPriority, bool withCookie = true)
    {
        var f = new List<string> { $"priority={rng.Next(maxPriority + 1)}" };
        if (withCookie && rng.Next(10) == 0)
        {
            f.Add($"cookie=0x{rng.Next():x}");
        }
        if (rng.Next(3) == 0)
        {
            f.Add($"in_port={rng.Next(1, 4)}");
        }
        if (rng.Next(4) == 0)
        {
            f.Add("dl_src=" + Pick(rng, s_macs));
        }
        if (rng.Next(4) == 0)
        {
            f.Add(rng.Next(3) == 0 ? "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00" : "dl_dst=" + Pick(rng, s_macs));
        }
        switch (rng.Next(6))
        {
            case 0: f.Add(rng.Next(2) == 0 ? "dl_vlan=0xffff" : $"dl_vlan={rng.Next(1, 4)}"); break;
            case 1: f.Add($"dl_vlan_pcp={rng.Next(8)}"); break;
        }
        switch (rng.Next(5))
        {
            case 0: Ipv4(rng, f); break;
            case 1: Ipv6(rng, f); break;
            case 2:
                f.Add("arp");
                if (rng.Next(2) == 0)
                {
                    f.Add($"arp_tpa={Pick(rng, s_ips)}/{rng.Next(16, 33)}");
                }
                if (rng.Next(2) == 0)
                {
                    f.Add($"arp_op={rng.Next(1, 3)}");
                }
                break;
        }
        f.Add("actions=" + Pick(rng, s_actions));
        return string.Join(',', f);
    }

    /// <summary>A packet key drawn from the same pools as the rules.</summary>
    public static FlowKey Key(Random rng)
    {
        var k = new FlowKey
        {
            InPort = (ushort)rng.Next(1, 4),
            DlSrc = Mac(Pick(rng, s_macs)),
            DlDst = Mac(Pick(rng, s_macs)),
            VlanTci = rng.Next(3) == 0 ? (ushort)(0x1000 | (rng.Next(8) << 13) | rng.Next(1, 4)) : (ushort)0,
        };
        switch (rng.Next(4))
        {
            case 0:
                k.DlType = 0x0800;
                k.NwSrc = Ip(Pick(rng, s_ips));
                k.NwDst = Ip(Pick(rng, s_ips));
                k.NwProto = (byte)new[] { 6, 17, 1 }[rng.Next(3)];
                k.NwTtl = (byte)rng.Next(1, 3);
                k.NwTos = (byte)(rng.Next(3) * 4);
                k.TpSrc = (ushort)rng.Next(1, 4);
                k.TpDst = (ushort)new[] { 22, 80, 443 }[rng.Next(3)];
                k.TcpFlags = k.NwProto == 6 ? (ushort)rng.Next(0x20) : (ushort)0;
                k.NwFrag = (byte)new[] { 0, 0, 1, 3 }[rng.Next(4)];
                break;
            case 1:
                k.DlType = 0x86dd;
                k.Ipv6Src = Ip6(Pick(rng, s_v6));
                k.Ipv6Dst = Ip6(Pick(rng, s_v6));
                k.NwProto = (byte)new[] { 6, 17, 58 }[rng.Next(3)];
                k.TpDst = (ushort)new[] { 22, 80, 443 }[rng.Next(3)];
                break;
            case 2:
                k.DlType = 0x0806;
                k.ArpOp = (ushort)rng.Next(1, 3);
                k.NwSrc = Ip(Pick(rng, s_ips));
                k.NwDst = Ip(Pick(rng, s_ips));
                break;
            default:
                k.DlType = 0x88cc;
                break;
        }
        return k;
    }

    private static void Ipv4(Random rng, List<string> f)
    {
        string proto = Pick(rng, ["ip", "tcp", "udp", "icmp"]);
        f.Add(proto);
        if (rng.Next(2) == 0)
        {
            f.Add($"nw_src={Pick(rng, s_ips)}" + (rng.Next(2) == 0 ? $"/{rng.Next(8, 33)}" : string.Empty));
        }
        if (rng.Next(2) == 0)
        {
            f.Add($"nw_dst={Pick(rng, s_ips)}/255.255.0.255");
        }
        if (rng.Next(6) == 0)
        {
            f.Add($"nw_ttl={rng.Next(1, 3)}");
        }
        if (rng.Next(6) == 0)
        {
            f.Add($"nw_tos={rng.Next(3) * 4}");
        }
        if (rng.Next(6) == 0)
        {
            f.Add("ip_frag=" + Pick(rng, ["no", "yes", "first", "later", "not_later"]));
        }
        if (proto is "tcp" or "udp")
        {
            if (rng.Next(2) == 0)
            {
                f.Add($"tp_dst={new[] { 22, 80, 443 }[rng.Next(3)]}");
            }
            if (rng.Next(4) == 0)
            {
                f.Add("tp_src=0x0/0xfffc");
            }
        }
        if (proto == "tcp" && rng.Next(3) == 0)
        {
            f.Add("tcp_flags=" + Pick(rng, ["+syn", "+syn-ack", "-rst", "0x10/0x10"]));
        }
        if (proto == "icmp" && rng.Next(2) == 0)
        {
            f.Add($"icmp_type={rng.Next(1, 4)}");
        }
    }

    private static void Ipv6(Random rng, List<string> f)
    {
        f.Add(Pick(rng, ["ipv6", "tcp6", "udp6", "icmp6"]));
        if (rng.Next(2) == 0)
        {
            f.Add($"ipv6_src={Pick(rng, s_v6)}" + (rng.Next(2) == 0 ? "/64" : string.Empty));
        }
        if (rng.Next(2) == 0)
        {
            f.Add($"ipv6_dst={Pick(rng, s_v6)}");
        }
    }

    private static string Pick(Random rng, string[] pool) => pool[rng.Next(pool.Length)];

    private static ulong Mac(string s) => VSwitch.Core.Net.MacAddress.Parse(s).Value;

    private static uint Ip(string s) => VSwitch.Flows.Tests.Keys.PacketOracle.V4(s);

    private static UInt128 Ip6(string s) => VSwitch.Flows.Tests.Keys.PacketOracle.V6(s);
}
