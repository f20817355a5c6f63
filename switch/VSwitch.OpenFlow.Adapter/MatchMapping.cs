using VSwitch.Flows.Actions;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Adapter;

/// <summary>
/// Converts between an OpenFlow 1.3 OXM match (<see cref="OfpMatch"/>) and the flow engine's <see cref="FlowMatch"/>.
/// <see cref="FlowField"/> uses the OXM basic field numbers, so most fields map one to one; the exceptions are the
/// port numbers (32-bit in OpenFlow 1.3, 16-bit in the flow key: <see cref="PortMapping"/>) and the fields the flow key
/// does not hold (IN_PHY_PORT, MPLS, PBB, IPV6_EXTHDR), which are refused with BAD_MATCH/BAD_FIELD. TUNNEL_ID maps to
/// <c>tun_id</c>, and the NXM_1 fields NXM_NX_TUN_IPV4_SRC/DST (which <see cref="OxmField"/> numbers as the flow engine
/// does) to <c>tun_src</c>/<c>tun_dst</c>. The other direction is lossy for matches written in the text syntax that
/// OpenFlow 1.3 cannot express (tcp_flags, nw_ttl, ip_frag, the inner VLAN tag, partial masks of unmaskable fields):
/// those parts are left out of the OXM match, which is then wider than the flow's. Stateless and thread-safe.
/// </summary>
public static class MatchMapping
{
    /// <summary>
    /// The flow engine's match for <paramref name="match"/>, which the decoder already checked for prerequisites,
    /// masks and duplicates; on failure <paramref name="error"/> is the BAD_MATCH error to answer.
    /// </summary>
    public static bool TryToFlowMatch(OfpMatch match, out FlowMatch flowMatch, out OfpError error)
    {
        ArgumentNullException.ThrowIfNull(match);
        FlowKey key = default;
        FlowMask mask = default;
        foreach (OxmEntry e in match.Entries)
        {
            if (!FlowFields.IsKnown((int)e.Field))
            {
                flowMatch = FlowMatch.CatchAll;
                error = OfpError.Of(BadMatchCode.BadField);
                return false;
            }
            var field = (FlowField)(byte)e.Field;
            UInt128 value = e.Value;
            UInt128 bits = e.HasMask ? e.Mask : FlowFields.AllOnes(field);
            if (field == FlowField.InPort)
            {
                if (!PortMapping.TryToEngine((uint)e.Value, out ushort port) || port == OpenFlowPort.None)
                {
                    flowMatch = FlowMatch.CatchAll;
                    error = OfpError.Of(BadMatchCode.BadValue);
                    return false;
                }
                value = port;
                bits = ushort.MaxValue;
            }
            FlowFields.Set(field, ref key, value);
            FlowFields.SetMask(field, ref mask, bits);
        }
        flowMatch = new FlowMatch(in key, in mask);
        error = default;
        return true;
    }

    /// <summary>
    /// The OXM match that describes <paramref name="match"/> as closely as OpenFlow 1.3 allows (see the type's remarks):
    /// fields in OXM number order, which puts every prerequisite before the field that needs it.
    /// </summary>
    public static OfpMatch ToOfpMatch(FlowMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        FlowKey key = match.Key;
        FlowMask mask = match.Mask;
        int? dlType = mask.DlType == ushort.MaxValue ? key.DlType : null;
        int? proto = mask.NwProto == byte.MaxValue ? key.NwProto : null;
        int? icmpType = (mask.TpSrc & 0xff) == 0xff ? key.TpSrc & 0xff : null;
        var entries = new List<OxmEntry>();
        foreach (FlowField field in FlowFields.All)
        {
            UInt128 bits = FlowFields.GetMask(field, in mask);
            if (bits == 0 || !HasOxmForm(field) || !Applies(field, dlType, proto, icmpType))
            {
                continue;
            }
            var oxm = (OxmField)(byte)field;
            UInt128 value = FlowFields.Get(field, in key);
            OxmEntry entry;
            if (field == FlowField.InPort)
            {
                if (bits != ushort.MaxValue)
                {
                    continue;
                }
                entry = OxmEntry.Exact(oxm, PortMapping.ToOpenFlow((ushort)value));
            }
            else if (bits == FlowFields.AllOnes(field))
            {
                entry = OxmEntry.Exact(oxm, value);
            }
            else if (OxmFieldInfo.IsMaskable(oxm))
            {
                entry = OxmEntry.Masked(oxm, value & bits, bits);
            }
            else
            {
                continue;
            }
            entries.Add(entry);
            if (!OfpMatch.TryCreate(entries, out _, out _))
            {
                // A part OpenFlow cannot express here (an ARP field of a RARP flow, a VLAN priority without a tag).
                entries.RemoveAt(entries.Count - 1);
            }
        }
        return OfpMatch.TryCreate(entries, out OfpMatch? result, out _) ? result : OfpMatch.Any;
    }

    /// <summary>
    /// True when OpenFlow 1.3 can carry the field: an OXM basic field, or a tunnel address as the NXM_1 field Open
    /// vSwitch uses. Both enums give these fields the same number.
    /// </summary>
    internal static bool HasOxmForm(FlowField field) =>
        FlowFields.IsOxmBasic(field) || field is FlowField.TunIpv4Src or FlowField.TunIpv4Dst;

    // Fields that share key storage are told apart by the flow's EtherType, IP protocol and ICMPv6 type.
    private static bool Applies(FlowField field, int? dlType, int? proto, int? icmpType)
    {
        bool v4 = dlType == 0x0800;
        bool v6 = dlType == 0x86dd;
        bool ip = v4 || v6;
        return field switch
        {
            FlowField.IpDscp or FlowField.IpEcn or FlowField.IpProto => ip,
            FlowField.Ipv4Src or FlowField.Ipv4Dst => v4,
            FlowField.ArpOp or FlowField.ArpSpa or FlowField.ArpTpa or FlowField.ArpSha or FlowField.ArpTha => dlType == 0x0806,
            FlowField.TcpSrc or FlowField.TcpDst => ip && proto == 6,
            FlowField.UdpSrc or FlowField.UdpDst => ip && proto == 17,
            FlowField.SctpSrc or FlowField.SctpDst => ip && proto == 132,
            FlowField.Icmpv4Type or FlowField.Icmpv4Code => v4 && proto == 1,
            FlowField.Ipv6Src or FlowField.Ipv6Dst or FlowField.Ipv6Label => v6,
            FlowField.Icmpv6Type or FlowField.Icmpv6Code => v6 && proto == 58,
            FlowField.NdTarget => v6 && proto == 58 && icmpType is 135 or 136,
            FlowField.NdSll => v6 && proto == 58 && icmpType == 135,
            FlowField.NdTll => v6 && proto == 58 && icmpType == 136,
            _ => true,
        };
    }
}
