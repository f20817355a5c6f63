using System.Globalization;
using VSwitch.Flows.Keys;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// The match fields of a key/mask pair as ovs-ofctl items, in OVS's order: shorthand, tunnel metadata, in_port, VLAN, Ethernet
/// addresses, dl_type, IPv6 and IPv4/ARP addresses, nw_proto, TOS, TTL, fragments, ports or ICMP, TCP flags.
/// <see cref="FlowKey.Present"/> has no text form and is not printed.
/// </summary>
internal static class MatchText
{
    public static List<string> Fields(in FlowKey k, in FlowMask m, IPortNameResolver? ports)
    {
        var f = new List<string>();
        bool v4 = FlowFormatter.DlTypeIs(k, m, 0x0800);
        bool v6 = FlowFormatter.DlTypeIs(k, m, 0x86dd);
        bool protoExact = m.NwProto == byte.MaxValue;
        string? shorthand = Shorthand(k, m, v4, v6, protoExact);
        if (shorthand is not null)
        {
            f.Add(shorthand);
        }
        AddLinkFields(f, k, m, ports, shorthand is null);
        AddNetworkFields(f, k, m, shorthand is not null && shorthand != "ip" && shorthand != "ipv6");
        bool icmp = protoExact && ((v4 && k.NwProto == 1) || (v6 && k.NwProto == 58));
        Number(f, icmp ? "icmp_type" : "tp_src", k.TpSrc, m.TpSrc, ushort.MaxValue);
        Number(f, icmp ? "icmp_code" : "tp_dst", k.TpDst, m.TpDst, ushort.MaxValue);
        if (m.NdTarget != 0)
        {
            f.Add("nd_target=" + ValueText.FormatIpv6Masked(k.NdTarget, m.NdTarget));
        }
        TcpFlags(f, k.TcpFlags, m.TcpFlags);
        return f;
    }

    private static void AddLinkFields(List<string> f, in FlowKey k, in FlowMask m, IPortNameResolver? ports, bool printDlType)
    {
        // Tunnel metadata first, as ovs-ofctl prints it.
        if (m.TunId != 0)
        {
            f.Add("tun_id=" + (m.TunId == ulong.MaxValue
                ? string.Create(CultureInfo.InvariantCulture, $"0x{k.TunId:x}")
                : string.Create(CultureInfo.InvariantCulture, $"0x{k.TunId:x}/0x{m.TunId:x}")));
        }
        if (m.TunSrc != 0)
        {
            f.Add("tun_src=" + ValueText.FormatIpv4Masked(k.TunSrc, m.TunSrc));
        }
        if (m.TunDst != 0)
        {
            f.Add("tun_dst=" + ValueText.FormatIpv4Masked(k.TunDst, m.TunDst));
        }
        if (m.InPort != 0)
        {
            f.Add(m.InPort == ushort.MaxValue ? "in_port=" + PortText.Format(k.InPort, ports) : $"in_port={Hex(k.InPort, m.InPort, 4)}");
        }
        if (m.Metadata != 0)
        {
            f.Add("metadata=" + (m.Metadata == ulong.MaxValue
                ? string.Create(CultureInfo.InvariantCulture, $"0x{k.Metadata:x}")
                : string.Create(CultureInfo.InvariantCulture, $"0x{k.Metadata:x}/0x{m.Metadata:x}")));
        }
        Vlan(f, k.VlanTci, m.VlanTci);
        if (m.InnerVlanTci != 0)
        {
            f.Add("inner_vlan_tci=" + Hex(k.InnerVlanTci, m.InnerVlanTci, 4));
        }
        if (m.DlSrc != 0)
        {
            f.Add("dl_src=" + ValueText.FormatMacMasked(k.DlSrc, m.DlSrc));
        }
        if (m.DlDst != 0)
        {
            f.Add("dl_dst=" + ValueText.FormatMacMasked(k.DlDst, m.DlDst));
        }
        if (printDlType && m.DlType != 0)
        {
            f.Add("dl_type=" + Hex(k.DlType, m.DlType, 4));
        }
    }

    private static void AddNetworkFields(List<string> f, in FlowKey k, in FlowMask m, bool protoInShorthand)
    {
        bool arp = FlowFormatter.DlTypeIs(k, m, 0x0806) || FlowFormatter.DlTypeIs(k, m, 0x8035);
        if (m.Ipv6Src != 0)
        {
            f.Add("ipv6_src=" + ValueText.FormatIpv6Masked(k.Ipv6Src, m.Ipv6Src));
        }
        if (m.Ipv6Dst != 0)
        {
            f.Add("ipv6_dst=" + ValueText.FormatIpv6Masked(k.Ipv6Dst, m.Ipv6Dst));
        }
        if (m.NwSrc != 0)
        {
            f.Add((arp ? "arp_spa=" : "nw_src=") + ValueText.FormatIpv4Masked(k.NwSrc, m.NwSrc));
        }
        if (m.NwDst != 0)
        {
            f.Add((arp ? "arp_tpa=" : "nw_dst=") + ValueText.FormatIpv4Masked(k.NwDst, m.NwDst));
        }
        Number(f, "arp_op", k.ArpOp, m.ArpOp, ushort.MaxValue);
        bool v6 = FlowFormatter.DlTypeIs(k, m, 0x86dd);
        if (m.ArpSha != 0)
        {
            f.Add((v6 ? "nd_sll=" : "arp_sha=") + ValueText.FormatMacMasked(k.ArpSha, m.ArpSha));
        }
        if (m.ArpTha != 0)
        {
            f.Add((v6 ? "nd_tll=" : "arp_tha=") + ValueText.FormatMacMasked(k.ArpTha, m.ArpTha));
        }
        Number(f, "ipv6_label", k.Ipv6Label, m.Ipv6Label, 0xfffff);
        if (!protoInShorthand)
        {
            Number(f, "nw_proto", k.NwProto, m.NwProto, byte.MaxValue);
        }
        Number(f, "nw_tos", (ulong)(k.NwTos & 0xfc), (ulong)(m.NwTos & 0xfc), 0xfc);
        Number(f, "nw_ecn", (ulong)(k.NwTos & 0x03), (ulong)(m.NwTos & 0x03), 0x03);
        Number(f, "nw_ttl", k.NwTtl, m.NwTtl, byte.MaxValue);
        IpFrag(f, k.NwFrag, m.NwFrag);
    }

    private static string? Shorthand(in FlowKey k, in FlowMask m, bool v4, bool v6, bool protoExact)
    {
        if (v4 || v6)
        {
            string suffix = v6 ? "6" : string.Empty;
            return !protoExact ? (v6 ? "ipv6" : "ip") : k.NwProto switch
            {
                6 => "tcp" + suffix,
                17 => "udp" + suffix,
                132 => "sctp" + suffix,
                1 when v4 => "icmp",
                58 when v6 => "icmp6",
                _ => v6 ? "ipv6" : "ip",
            };
        }
        return FlowFormatter.DlTypeIs(k, m, 0x0806) ? "arp" : FlowFormatter.DlTypeIs(k, m, 0x8035) ? "rarp" : null;
    }

    /// <summary>dl_vlan / dl_vlan_pcp when the mask is one of theirs with the tag-present bit set, else vlan_tci.</summary>
    private static void Vlan(List<string> f, ushort v, ushort m)
    {
        bool tagged = (v & 0x1000) != 0;
        if (m == 0)
        {
            return;
        }
        if (tagged && (m == 0x1fff || m == 0xffff))
        {
            f.Add(string.Create(CultureInfo.InvariantCulture, $"dl_vlan={v & 0x0fff}"));
        }
        if (tagged && (m == 0xf000 || m == 0xffff))
        {
            f.Add(string.Create(CultureInfo.InvariantCulture, $"dl_vlan_pcp={v >> 13}"));
        }
        if (!tagged || (m != 0x1fff && m != 0xf000 && m != 0xffff))
        {
            f.Add("vlan_tci=" + Hex(v, m, 4));
        }
    }

    private static void IpFrag(List<string> f, byte v, byte m)
    {
        string? name = (v, m) switch
        {
            (0, 1) => "no",
            (1, 1) => "yes",
            (1, 3) => "first",
            (3, 3) => "later",
            (0, 2) => "not_later",
            _ => null,
        };
        if (m != 0)
        {
            f.Add("ip_frag=" + (name ?? ValueText.FormatNumberMasked(v, m, 3)));
        }
    }

    private static void TcpFlags(List<string> f, ushort v, ushort m)
    {
        m &= TcpFlagNames.AllFlags;
        if (m != 0)
        {
            f.Add("tcp_flags=" + (TcpFlagNames.CanName(m)
                ? TcpFlagNames.FormatSigned(v, m)
                : ValueText.FormatNumberMasked((ulong)(v & m), m, TcpFlagNames.AllFlags)));
        }
    }

    private static void Number(List<string> f, string name, ulong v, ulong m, ulong full)
    {
        if (m != 0)
        {
            f.Add(name + "=" + ValueText.FormatNumberMasked(v, m, full));
        }
    }

    private static string Hex(ulong v, ulong m, int digits)
    {
        string value = "0x" + v.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return m == (1UL << (digits * 4)) - 1
            ? value
            : value + "/0x" + m.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
