using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Match;

/// <summary>
/// Applies the rules of OpenFlow 1.3.5 §7.2.3 to TLVs added one at a time in wire order: value inside the field's
/// bits, no value bit outside the mask, no duplicate, prerequisites already present (the order OVS also enforces
/// when it pulls a match, and the order os-ken and ovs-ofctl write). Mutable; one match at a time.
/// </summary>
internal struct OxmRules
{
    private ulong _present;
    private ulong _ethType;      // valid when EthType present
    private byte _ipProto;
    private byte _icmpv6Type;
    private bool _vlanPresent;   // VLAN_VID matched with OFPVID_PRESENT required

    public bool TryAdd(OxmEntry e, out OfpError error)
    {
        int f = (int)e.Field;
        if (!OxmFieldInfo.IsKnown(f))
        {
            error = OfpError.Of(BadMatchCode.BadField);
            return false;
        }
        // §7.2.3.5: a field without "Mask: Yes" in table 12 must not carry one.
        if (e.HasMask && !OxmFieldInfo.IsMaskable(e.Field))
        {
            error = OfpError.Of(BadMatchCode.BadMask);
            return false;
        }
        UInt128 bits = OxmFieldInfo.ValueBits(e.Field);
        if ((e.Value & ~bits) != 0)
        {
            error = OfpError.Of(BadMatchCode.BadValue);
            return false;
        }
        if (e.HasMask && (e.Mask & ~bits) != 0)
        {
            error = OfpError.Of(BadMatchCode.BadMask);
            return false;
        }
        // §7.2.3.5: a value bit set where the mask is 0 is refused with BAD_WILDCARDS.
        if (e.HasMask && (e.Value & ~e.Mask) != 0)
        {
            error = OfpError.Of(BadMatchCode.BadWildcards);
            return false;
        }
        // §7.2.3.8: an exact VLAN_VID without OFPVID_PRESENT can only be OFPVID_NONE (0).
        if (e.Field == OxmField.VlanVid && !e.HasMask && e.Value != 0 && (e.Value & OxmFieldInfo.VlanPresent) == 0)
        {
            error = OfpError.Of(BadMatchCode.BadValue);
            return false;
        }
        // §7.2.3.6: a field appears at most once.
        if ((_present & (1UL << f)) != 0)
        {
            error = OfpError.Of(BadMatchCode.DupField);
            return false;
        }
        if (!PrerequisitesMet(e.Field))
        {
            error = OfpError.Of(BadMatchCode.BadPrereq);
            return false;
        }
        Remember(e);
        error = default;
        return true;
    }

    private readonly bool Has(OxmField f) => (_present & (1UL << (int)f)) != 0;

    private readonly bool EthTypeIs(ulong a, ulong b = ulong.MaxValue) => Has(OxmField.EthType) && (_ethType == a || _ethType == b);

    private readonly bool IpProtoIs(byte proto, ulong ethType) => Has(OxmField.IpProto) && _ipProto == proto && EthTypeIs(ethType);

    // §7.2.3.8 table 12, "Prerequisite" column. ICMPv4 and ICMPv6 also require their own IP version, as OVS does.
    private readonly bool PrerequisitesMet(OxmField field) => field switch
    {
        OxmField.InPhyPort => Has(OxmField.InPort),
        OxmField.VlanPcp => _vlanPresent,
        OxmField.IpDscp or OxmField.IpEcn or OxmField.IpProto => EthTypeIs(0x0800, 0x86dd),
        OxmField.Ipv4Src or OxmField.Ipv4Dst => EthTypeIs(0x0800),
        OxmField.TcpSrc or OxmField.TcpDst => Has(OxmField.IpProto) && _ipProto == 6,
        OxmField.UdpSrc or OxmField.UdpDst => Has(OxmField.IpProto) && _ipProto == 17,
        OxmField.SctpSrc or OxmField.SctpDst => Has(OxmField.IpProto) && _ipProto == 132,
        OxmField.Icmpv4Type or OxmField.Icmpv4Code => IpProtoIs(1, 0x0800),
        OxmField.ArpOp or OxmField.ArpSpa or OxmField.ArpTpa or OxmField.ArpSha or OxmField.ArpTha => EthTypeIs(0x0806),
        OxmField.Ipv6Src or OxmField.Ipv6Dst or OxmField.Ipv6Flabel or OxmField.Ipv6Exthdr => EthTypeIs(0x86dd),
        OxmField.Icmpv6Type or OxmField.Icmpv6Code => IpProtoIs(58, 0x86dd),
        OxmField.Ipv6NdTarget => Has(OxmField.Icmpv6Type) && _icmpv6Type is 135 or 136,
        OxmField.Ipv6NdSll => Has(OxmField.Icmpv6Type) && _icmpv6Type == 135,
        OxmField.Ipv6NdTll => Has(OxmField.Icmpv6Type) && _icmpv6Type == 136,
        OxmField.MplsLabel or OxmField.MplsTc or OxmField.MplsBos => EthTypeIs(0x8847, 0x8848),
        OxmField.PbbIsid => EthTypeIs(0x88e7),
        _ => true,
    };

    private void Remember(OxmEntry e)
    {
        _present |= 1UL << (int)e.Field;
        switch (e.Field)
        {
            case OxmField.EthType:
                _ethType = (ulong)e.Value;
                break;
            case OxmField.IpProto:
                _ipProto = (byte)e.Value;
                break;
            case OxmField.Icmpv6Type:
                _icmpv6Type = (byte)e.Value;
                break;
            case OxmField.VlanVid:
                // "VLAN_VID != NONE": the PRESENT bit is set in the value and covered by the mask.
                _vlanPresent = (e.Value & OxmFieldInfo.VlanPresent) != 0 && (e.Mask & OxmFieldInfo.VlanPresent) != 0;
                break;
        }
    }
}
