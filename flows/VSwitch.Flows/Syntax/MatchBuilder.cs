using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Accumulates the match fields of one flow text into a key and a mask. A field may be repeated or overlap
/// another (dl_vlan and vlan_tci) as long as they agree. Prerequisites (nw_src needs ip or arp, tp_dst needs a
/// transport protocol, ...) are checked once every field is known, as OVS checks a whole match.
/// Control thread only.
/// </summary>
internal sealed partial class MatchBuilder
{
    private readonly IPortNameResolver? _ports;
    private readonly List<(Prerequisite Need, FlowItem Item)> _prerequisites = [];
    private FlowKey _key;
    private FlowMask _mask;
    private bool _legacyOuter;
    private ushort _legacyOuterKey;
    private ushort _legacyOuterMask;

    public MatchBuilder(IPortNameResolver? ports) => _ports = ports;

    private enum Prerequisite
    {
        Ipv4OrArp,
        Arp,
        Ipv6,
        Ip,
        Transport,
        Tcp,
        Udp,
        Sctp,
        Icmp,
        NdTarget,
        NdSll,
        NdTll,
    }

    /// <summary>Applies one match item; false when the item's name is not a match field.</summary>
    public bool TryApply(FlowItem item)
    {
        switch (item.Name)
        {
            case "ip": Shorthand(item, 0x0800, null); return true;
            case "ipv6": Shorthand(item, 0x86dd, null); return true;
            case "arp": Shorthand(item, 0x0806, null); return true;
            case "rarp": Shorthand(item, 0x8035, null); return true;
            case "tcp": Shorthand(item, 0x0800, 6); return true;
            case "udp": Shorthand(item, 0x0800, 17); return true;
            case "sctp": Shorthand(item, 0x0800, 132); return true;
            case "icmp": Shorthand(item, 0x0800, 1); return true;
            case "tcp6": Shorthand(item, 0x86dd, 6); return true;
            case "udp6": Shorthand(item, 0x86dd, 17); return true;
            case "sctp6": Shorthand(item, 0x86dd, 132); return true;
            case "icmp6": Shorthand(item, 0x86dd, 58); return true;
            case "in_port": Merge(ref _key.InPort, ref _mask.InPort, PortText.Parse(Value(item), _ports, item.ValueStart), ushort.MaxValue, item); return true;
            case "dl_src" or "eth_src": Mac(item, ref _key.DlSrc, ref _mask.DlSrc); return true;
            case "dl_dst" or "eth_dst": Mac(item, ref _key.DlDst, ref _mask.DlDst); return true;
            case "dl_type" or "eth_type": Number(item, ref _key.DlType, ref _mask.DlType); return true;
            case "metadata": Number(item, ref _key.Metadata, ref _mask.Metadata); return true;
            case "tun_id" or "tunnel_id": Number(item, ref _key.TunId, ref _mask.TunId); return true;
            case "tun_src": Ipv4(item, ref _key.TunSrc, ref _mask.TunSrc); return true;
            case "tun_dst": Ipv4(item, ref _key.TunDst, ref _mask.TunDst); return true;
            case "dl_vlan": DlVlan(item); return true;
            case "dl_vlan_pcp": DlVlanPcp(item); return true;
            case "vlan_tci": Number(item, ref _key.VlanTci, ref _mask.VlanTci); return true;
            case "inner_vlan_tci": Number(item, ref _key.InnerVlanTci, ref _mask.InnerVlanTci); return true;
            case "outer_vlan_tci": _legacyOuter = true; Number(item, ref _legacyOuterKey, ref _legacyOuterMask); return true;
            case "nw_src" or "ipv4_src": Need(Prerequisite.Ipv4OrArp, item); Ipv4(item, ref _key.NwSrc, ref _mask.NwSrc); return true;
            case "nw_dst" or "ipv4_dst": Need(Prerequisite.Ipv4OrArp, item); Ipv4(item, ref _key.NwDst, ref _mask.NwDst); return true;
            case "arp_spa": Need(Prerequisite.Arp, item); Ipv4(item, ref _key.NwSrc, ref _mask.NwSrc); return true;
            case "arp_tpa": Need(Prerequisite.Arp, item); Ipv4(item, ref _key.NwDst, ref _mask.NwDst); return true;
            case "arp_op": Need(Prerequisite.Arp, item); Number(item, ref _key.ArpOp, ref _mask.ArpOp); return true;
            case "arp_sha": Need(Prerequisite.Arp, item); Mac(item, ref _key.ArpSha, ref _mask.ArpSha); return true;
            case "arp_tha": Need(Prerequisite.Arp, item); Mac(item, ref _key.ArpTha, ref _mask.ArpTha); return true;
            case "ipv6_src": Need(Prerequisite.Ipv6, item); Ipv6(item, ref _key.Ipv6Src, ref _mask.Ipv6Src); return true;
            case "ipv6_dst": Need(Prerequisite.Ipv6, item); Ipv6(item, ref _key.Ipv6Dst, ref _mask.Ipv6Dst); return true;
            case "ipv6_label": Need(Prerequisite.Ipv6, item); Number(item, ref _key.Ipv6Label, ref _mask.Ipv6Label, 0xfffff); _mask.Ipv6Label &= 0xfffff; return true;
            case "nd_target": Need(Prerequisite.NdTarget, item); Ipv6(item, ref _key.NdTarget, ref _mask.NdTarget); return true;
            case "nd_sll": Need(Prerequisite.NdSll, item); Mac(item, ref _key.ArpSha, ref _mask.ArpSha); return true;
            case "nd_tll": Need(Prerequisite.NdTll, item); Mac(item, ref _key.ArpTha, ref _mask.ArpTha); return true;
            case "nw_proto" or "ip_proto": Need(Prerequisite.Ip, item); Number(item, ref _key.NwProto, ref _mask.NwProto); return true;
            case "nw_tos": Need(Prerequisite.Ip, item); TosBits(item, 0xfc); return true;
            case "nw_ecn": Need(Prerequisite.Ip, item); TosBits(item, 0x03); return true;
            case "nw_ttl": Need(Prerequisite.Ip, item); Number(item, ref _key.NwTtl, ref _mask.NwTtl); return true;
            case "ip_frag": Need(Prerequisite.Ip, item); IpFrag(item); return true;
            case "tp_src": Need(Prerequisite.Transport, item); Number(item, ref _key.TpSrc, ref _mask.TpSrc); return true;
            case "tp_dst": Need(Prerequisite.Transport, item); Number(item, ref _key.TpDst, ref _mask.TpDst); return true;
            case "tcp_src": Need(Prerequisite.Tcp, item); Number(item, ref _key.TpSrc, ref _mask.TpSrc); return true;
            case "tcp_dst": Need(Prerequisite.Tcp, item); Number(item, ref _key.TpDst, ref _mask.TpDst); return true;
            case "udp_src": Need(Prerequisite.Udp, item); Number(item, ref _key.TpSrc, ref _mask.TpSrc); return true;
            case "udp_dst": Need(Prerequisite.Udp, item); Number(item, ref _key.TpDst, ref _mask.TpDst); return true;
            case "sctp_src": Need(Prerequisite.Sctp, item); Number(item, ref _key.TpSrc, ref _mask.TpSrc); return true;
            case "sctp_dst": Need(Prerequisite.Sctp, item); Number(item, ref _key.TpDst, ref _mask.TpDst); return true;
            case "tcp_flags": Need(Prerequisite.Tcp, item); TcpFlags(item); return true;
            case "icmp_type": Need(Prerequisite.Icmp, item); Number(item, ref _key.TpSrc, ref _mask.TpSrc, byte.MaxValue); return true;
            case "icmp_code": Need(Prerequisite.Icmp, item); Number(item, ref _key.TpDst, ref _mask.TpDst, byte.MaxValue); return true;
            default: return false;
        }
    }

    /// <summary>Checks every prerequisite against the finished match and returns it.</summary>
    public FlowMatch Build()
    {
        if (_legacyOuter)
        {
            TranslateLegacyOuter();
        }
        foreach ((Prerequisite need, FlowItem item) in _prerequisites)
        {
            if (!IsMet(need))
            {
                Fail($"{item.Name} requires {Describe(need)}", item.Text, item.Start);
            }
        }
        return new FlowMatch(in _key, in _mask);
    }

    /// <summary>
    /// Flows written before the tags were named as in OpenFlow (and stored in configuration databases of that time) used
    /// <c>outer_vlan_tci</c> for the outer tag of a double-tagged frame and <c>vlan_tci</c> (and <c>dl_vlan</c>) for its
    /// inner tag, or for a lone tag. Today <c>vlan_tci</c> is the outermost tag and <c>inner_vlan_tci</c> the second, so a
    /// match naming the old field is moved over: an outer tag that must be present makes the old <c>vlan_tci</c> the inner
    /// one (which must then be present too); an outer tag that must be absent leaves <c>vlan_tci</c> as it is and asks
    /// for no second tag. Such a flow loads and matches the frames it matched before, and is written back in today's names.
    /// </summary>
    private void TranslateLegacyOuter()
    {
        const ushort Present = FlowKeyExtractor.VlanPresent;
        if (_mask.InnerVlanTci != 0)
        {
            Fail("outer_vlan_tci (the older name of vlan_tci for a double-tagged frame) cannot be combined with inner_vlan_tci",
                "outer_vlan_tci", 0);
        }
        if ((_legacyOuterMask & Present) != 0 && (_legacyOuterKey & Present) == 0)
        {
            _key.InnerVlanTci = 0;
            _mask.InnerVlanTci = Present;
            return;
        }
        _key.InnerVlanTci = _key.VlanTci;
        _mask.InnerVlanTci = _mask.VlanTci;
        _key.VlanTci = _legacyOuterKey;
        _mask.VlanTci = _legacyOuterMask;
        if ((_legacyOuterMask & Present) != 0)
        {
            _key.InnerVlanTci |= Present;
            _mask.InnerVlanTci |= Present;
        }
    }

    [DoesNotReturn]
    public static void Fail(string problem, string token, int position) => throw new FlowParseException(problem, token, position);

    private bool DlTypeIs(ushort type) => _mask.DlType == ushort.MaxValue && _key.DlType == type;

    private bool ProtoIs(byte proto) => _mask.NwProto == byte.MaxValue && _key.NwProto == proto;

    private bool IcmpTypeIs(byte type) => (_mask.TpSrc & 0xff) == 0xff && (_key.TpSrc & 0xff) == type;

    private bool IsMet(Prerequisite need)
    {
        bool v4 = DlTypeIs(0x0800);
        bool v6 = DlTypeIs(0x86dd);
        bool ip = v4 || v6;
        return need switch
        {
            Prerequisite.Ipv4OrArp => v4 || DlTypeIs(0x0806) || DlTypeIs(0x8035),
            Prerequisite.Arp => DlTypeIs(0x0806) || DlTypeIs(0x8035),
            Prerequisite.Ipv6 => v6,
            Prerequisite.Ip => ip,
            Prerequisite.Transport => ip && (ProtoIs(6) || ProtoIs(17) || ProtoIs(132)),
            Prerequisite.Tcp => ip && ProtoIs(6),
            Prerequisite.Udp => ip && ProtoIs(17),
            Prerequisite.Sctp => ip && ProtoIs(132),
            Prerequisite.NdTarget => v6 && ProtoIs(58) && (IcmpTypeIs(135) || IcmpTypeIs(136)),
            Prerequisite.NdSll => v6 && ProtoIs(58) && IcmpTypeIs(135),
            Prerequisite.NdTll => v6 && ProtoIs(58) && IcmpTypeIs(136),
            _ => (v4 && ProtoIs(1)) || (v6 && ProtoIs(58)),
        };
    }

    private static string Describe(Prerequisite need) => need switch
    {
        Prerequisite.Ipv4OrArp => "ip or arp (e.g. 'ip,nw_src=10.0.0.0/8')",
        Prerequisite.Arp => "arp (e.g. 'arp,arp_tpa=10.0.0.1')",
        Prerequisite.Ipv6 => "ipv6 (e.g. 'ipv6,ipv6_src=2001:db8::/32')",
        Prerequisite.Ip => "ip or ipv6 (e.g. 'ip,nw_proto=6')",
        Prerequisite.Transport => "tcp, udp or sctp (e.g. 'tcp,tp_dst=80' or 'udp6,tp_dst=53')",
        Prerequisite.Tcp => "tcp or tcp6 (e.g. 'tcp,tcp_flags=+syn')",
        Prerequisite.Udp => "udp or udp6 (e.g. 'udp,udp_dst=53')",
        Prerequisite.Sctp => "sctp or sctp6 (e.g. 'sctp,sctp_dst=5060')",
        Prerequisite.NdTarget => "a neighbour solicitation or advertisement (e.g. 'icmp6,icmp_type=135,nd_target=fe80::1')",
        Prerequisite.NdSll => "a neighbour solicitation (e.g. 'icmp6,icmp_type=135,nd_sll=52:54:00:00:00:01')",
        Prerequisite.NdTll => "a neighbour advertisement (e.g. 'icmp6,icmp_type=136,nd_tll=52:54:00:00:00:01')",
        _ => "icmp or icmp6 (e.g. 'icmp,icmp_type=8')",
    };

    private void Need(Prerequisite need, FlowItem item) => _prerequisites.Add((need, item));

    private static string Value(FlowItem item)
    {
        if (string.IsNullOrEmpty(item.Value))
        {
            Fail($"{item.Name} needs a value ({item.Name}=...)", item.Text, item.Start);
        }
        return item.Value;
    }

    /// <summary>Adds value/mask bits for one field; overlapping bits already set must agree.</summary>
    private static void Merge<T>(ref T key, ref T mask, T value, T valueMask, FlowItem item)
        where T : IBinaryInteger<T>
    {
        if (((key ^ value) & mask & valueMask) != T.Zero)
        {
            Fail($"{item.Name} contradicts an earlier field", item.Text, item.Start);
        }
        key |= value & valueMask;
        mask |= valueMask;
    }
}
