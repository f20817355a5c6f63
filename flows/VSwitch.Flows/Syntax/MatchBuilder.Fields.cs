using System.Numerics;

namespace VSwitch.Flows.Syntax;

/// <summary>Parsers for the individual match fields.</summary>
internal sealed partial class MatchBuilder
{
    private void Shorthand(FlowItem item, ushort dlType, byte? proto)
    {
        if (item.Value is not null)
        {
            Fail($"'{item.Name}' is a protocol shorthand and takes no value", item.Text, item.Start);
        }
        Merge(ref _key.DlType, ref _mask.DlType, dlType, ushort.MaxValue, item);
        if (proto is byte p)
        {
            Merge(ref _key.NwProto, ref _mask.NwProto, p, byte.MaxValue, item);
        }
    }

    private void Number<T>(FlowItem item, ref T key, ref T mask, ulong? max = null)
        where T : IBinaryInteger<T>, IUnsignedNumber<T>
    {
        ulong limit = max ?? ulong.CreateTruncating(T.AllBitsSet);
        string text = Value(item);
        ValueText.SplitMask(text, out string value, out string? maskText, out int maskOffset);
        if (!ValueText.TryParseNumber(value, limit, out ulong v))
        {
            Fail($"{item.Name} must be a number from 0 to {limit} (decimal or 0x hex)", value, item.ValueStart);
        }
        T m = T.AllBitsSet;
        if (maskText is not null)
        {
            if (!ValueText.TryParseNumber(maskText, ulong.CreateTruncating(T.AllBitsSet), out ulong parsed))
            {
                Fail($"{item.Name} mask must be a number that fits the field", maskText, item.ValueStart + maskOffset);
            }
            m = T.CreateTruncating(parsed);
        }
        Merge(ref key, ref mask, T.CreateTruncating(v), m, item);
    }

    private void Mac(FlowItem item, ref ulong key, ref ulong mask)
    {
        ValueText.SplitMask(Value(item), out string value, out string? maskText, out int maskOffset);
        if (!ValueText.TryParseMac(value, out ulong mac))
        {
            Fail($"{item.Name} must be a MAC address like 52:54:00:12:34:56", value, item.ValueStart);
        }
        ulong m = 0xffff_ffff_ffffUL;
        if (maskText is not null && !ValueText.TryParseMac(maskText, out m))
        {
            Fail($"{item.Name} mask must be a MAC address like ff:ff:ff:00:00:00", maskText, item.ValueStart + maskOffset);
        }
        Merge(ref key, ref mask, mac, m, item);
    }

    private void Ipv4(FlowItem item, ref uint key, ref uint mask)
    {
        ValueText.SplitMask(Value(item), out string value, out string? maskText, out int maskOffset);
        if (!ValueText.TryParseIpv4(value, out uint address))
        {
            Fail($"{item.Name} must be an IPv4 address like 10.0.0.1", value, item.ValueStart);
        }
        uint m = uint.MaxValue;
        if (maskText is not null && !ValueText.TryParseIpv4Mask(maskText, out m))
        {
            Fail($"{item.Name} mask must be a prefix length 0-32 or a dotted mask", maskText, item.ValueStart + maskOffset);
        }
        Merge(ref key, ref mask, address, m, item);
    }

    private void Ipv6(FlowItem item, ref UInt128 key, ref UInt128 mask)
    {
        ValueText.SplitMask(Value(item), out string value, out string? maskText, out int maskOffset);
        if (!ValueText.TryParseIpv6(value, out UInt128 address))
        {
            Fail($"{item.Name} must be an IPv6 address like 2001:db8::1", value, item.ValueStart);
        }
        UInt128 m = UInt128.MaxValue;
        if (maskText is not null && !ValueText.TryParseIpv6Mask(maskText, out m))
        {
            Fail($"{item.Name} mask must be a prefix length 0-128 or an IPv6 mask", maskText, item.ValueStart + maskOffset);
        }
        Merge(ref key, ref mask, address, m, item);
    }

    /// <summary>
    /// dl_vlan=VID (0-4095) or 0xffff for "no tag". OVS keeps VLAN presence in the CFI bit of vlan_tci,
    /// so a VID match is vlan_tci=0x1000|VID/0x1fff and "no tag" is vlan_tci=0/0xffff.
    /// </summary>
    private void DlVlan(FlowItem item)
    {
        string text = Value(item);
        if (!ValueText.TryParseNumber(text, ushort.MaxValue, out ulong vid) || (vid > 4095 && vid != 0xffff))
        {
            Fail("dl_vlan must be a VLAN ID from 0 to 4095, or 0xffff for untagged", text, item.ValueStart);
        }
        if (vid == 0xffff)
        {
            Merge(ref _key.VlanTci, ref _mask.VlanTci, (ushort)0, ushort.MaxValue, item);
            return;
        }
        Merge(ref _key.VlanTci, ref _mask.VlanTci, (ushort)(0x1000 | vid), (ushort)0x1fff, item);
    }

    /// <summary>dl_vlan_pcp=0-7 (IEEE 802.1Q PCP, the top three bits of the TCI); implies a tag is present.</summary>
    private void DlVlanPcp(FlowItem item)
    {
        string text = Value(item);
        if (!ValueText.TryParseNumber(text, 7, out ulong pcp))
        {
            Fail("dl_vlan_pcp must be a priority from 0 to 7", text, item.ValueStart);
        }
        Merge(ref _key.VlanTci, ref _mask.VlanTci, (ushort)(0x1000 | (pcp << 13)), (ushort)0xf000, item);
    }

    /// <summary>
    /// nw_tos matches the DSCP part of the TOS byte (bits 0xfc) and nw_ecn the ECN part (0x03), RFC 2474 §3 and
    /// RFC 3168 §5; a value with bits outside its part is refused rather than silently cut.
    /// </summary>
    private void TosBits(FlowItem item, byte part)
    {
        ValueText.SplitMask(Value(item), out string value, out string? maskText, out int maskOffset);
        if (!ValueText.TryParseNumber(value, byte.MaxValue, out ulong v) || (v & ~(ulong)part) != 0)
        {
            Fail(part == 0xfc
                ? "nw_tos must be a TOS byte with the two ECN bits clear (a multiple of 4, 0-252); use nw_ecn for ECN"
                : "nw_ecn must be 0 to 3", value, item.ValueStart);
        }
        ulong m = part;
        if (maskText is not null && (!ValueText.TryParseNumber(maskText, byte.MaxValue, out m) || (m & ~(ulong)part) != 0))
        {
            Fail($"{item.Name} mask must stay within 0x{part:x2}", maskText, item.ValueStart + maskOffset);
        }
        Merge(ref _key.NwTos, ref _mask.NwTos, (byte)v, (byte)m, item);
    }

    /// <summary>ip_frag=no|yes|first|later|not_later, or a number/mask over OVS's two fragment bits (ANY=1, LATER=2).</summary>
    private void IpFrag(FlowItem item)
    {
        string text = Value(item);
        (byte value, byte mask) = text.ToLowerInvariant() switch
        {
            "no" => ((byte)0, (byte)1),
            "yes" => ((byte)1, (byte)1),
            "first" => ((byte)1, (byte)3),
            "later" => ((byte)3, (byte)3),
            "not_later" => ((byte)0, (byte)2),
            _ => ((byte)0, (byte)0),
        };
        if (mask == 0)
        {
            ValueText.SplitMask(text, out string v, out string? m, out _);
            ulong pm = 3;
            if (!ValueText.TryParseNumber(v, 3, out ulong pv) || (m is not null && !ValueText.TryParseNumber(m, 3, out pm)))
            {
                Fail("ip_frag must be no, yes, first, later, not_later or a number/mask from 0 to 3", text, item.ValueStart);
            }
            (value, mask) = ((byte)pv, (byte)pm);
        }
        Merge(ref _key.NwFrag, ref _mask.NwFrag, value, mask, item);
    }

    /// <summary>tcp_flags=VALUE[/MASK] over the 12 flag bits, or the +flag-flag form (e.g. +syn-ack).</summary>
    private void TcpFlags(FlowItem item)
    {
        string text = Value(item);
        if (text[0] is '+' or '-')
        {
            if (!TcpFlagNames.TryParseSigned(text, out ushort v, out ushort m, out int badAt, out string bad))
            {
                Fail("tcp_flags: unknown flag (use fin, syn, rst, psh, ack, urg, ece, cwr, ns)", bad, item.ValueStart + badAt);
            }
            Merge(ref _key.TcpFlags, ref _mask.TcpFlags, v, m, item);
            return;
        }
        Number(item, ref _key.TcpFlags, ref _mask.TcpFlags, TcpFlagNames.AllFlags);
        _mask.TcpFlags &= TcpFlagNames.AllFlags;
    }
}
