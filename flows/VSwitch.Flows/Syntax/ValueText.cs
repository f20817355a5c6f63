using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VSwitch.Core.Net;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Parsing and printing of the value forms flows use: integers (decimal or 0x hex), masks after '/',
/// MAC, IPv4 and IPv6 addresses with prefix or mask. Control plane only; allocation is fine here.
/// </summary>
internal static class ValueText
{
    /// <summary>Decimal or 0x-prefixed hexadecimal, at most <paramref name="max"/>.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, ulong max, out ulong value)
    {
        bool ok = text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')
            ? ulong.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok && value <= max;
    }

    /// <summary>Splits "value/mask" at the first '/'; mask is empty when there is none.</summary>
    public static void SplitMask(string text, out string value, out string? mask, out int maskOffset)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            value = text;
            mask = null;
            maskOffset = text.Length;
            return;
        }
        value = text[..slash];
        mask = text[(slash + 1)..];
        maskOffset = slash + 1;
    }

    /// <summary>Strict dotted quad a.b.c.d, host order.</summary>
    public static bool TryParseIpv4(string text, out uint address)
    {
        address = 0;
        int parts = 0;
        foreach (Range r in text.AsSpan().Split('.'))
        {
            ReadOnlySpan<char> part = text.AsSpan()[r];
            if (parts == 4 || part.Length is 0 or > 3
                || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }
            address = (address << 8) | b;
            parts++;
        }
        return parts == 4;
    }

    /// <summary>An IPv4 mask given as a prefix length (0..32) or a dotted quad.</summary>
    public static bool TryParseIpv4Mask(string text, out uint mask)
    {
        if (!text.Contains('.', StringComparison.Ordinal))
        {
            bool ok = TryParseNumber(text, 32, out ulong prefix);
            mask = ok && prefix > 0 ? uint.MaxValue << (int)(32 - prefix) : 0;
            return ok;
        }
        return TryParseIpv4(text, out mask);
    }

    /// <summary>An IPv6 address in any RFC 4291 §2.2 text form (no zone index), first octet most significant.</summary>
    public static bool TryParseIpv6(string text, out UInt128 address)
    {
        address = 0;
        if (text.Contains('%', StringComparison.Ordinal) || !text.Contains(':', StringComparison.Ordinal)
            || !IPAddress.TryParse(text, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        bool written = ip.TryWriteBytes(bytes, out int n);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return written && n == 16;
    }

    /// <summary>An IPv6 mask given as a prefix length (0..128) or as an address.</summary>
    public static bool TryParseIpv6Mask(string text, out UInt128 mask)
    {
        if (!text.Contains(':', StringComparison.Ordinal))
        {
            bool ok = TryParseNumber(text, 128, out ulong prefix);
            mask = ok && prefix > 0 ? UInt128.MaxValue << (int)(128 - (int)prefix) : 0;
            return ok;
        }
        return TryParseIpv6(text, out mask);
    }

    /// <summary>aa:bb:cc:dd:ee:ff as a 48-bit value.</summary>
    public static bool TryParseMac(string text, out ulong mac)
    {
        bool ok = MacAddress.TryParse(text, out MacAddress m);
        mac = m.Value;
        return ok;
    }

    public static string FormatIpv4(uint address) => string.Create(CultureInfo.InvariantCulture,
        $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");

    /// <summary>Address, address/prefix (contiguous mask) or address/mask.</summary>
    public static string FormatIpv4Masked(uint address, uint mask)
    {
        if (mask == uint.MaxValue)
        {
            return FormatIpv4(address);
        }
        int prefix = System.Numerics.BitOperations.LeadingZeroCount(~mask);
        bool contiguous = prefix == 32 || (mask << prefix) == 0;
        return contiguous
            ? string.Create(CultureInfo.InvariantCulture, $"{FormatIpv4(address)}/{prefix}")
            : $"{FormatIpv4(address)}/{FormatIpv4(mask)}";
    }

    public static string FormatIpv6(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }

    public static string FormatIpv6Masked(UInt128 address, UInt128 mask)
    {
        if (mask == UInt128.MaxValue)
        {
            return FormatIpv6(address);
        }
        int prefix = (int)UInt128.LeadingZeroCount(~mask);
        bool contiguous = prefix == 128 || (mask << prefix) == 0;
        return contiguous
            ? string.Create(CultureInfo.InvariantCulture, $"{FormatIpv6(address)}/{prefix}")
            : $"{FormatIpv6(address)}/{FormatIpv6(mask)}";
    }

    public static string FormatMac(ulong mac) => new MacAddress(mac).ToString();

    public static string FormatMacMasked(ulong mac, ulong mask) =>
        mask == 0xffff_ffff_ffffUL ? FormatMac(mac) : $"{FormatMac(mac)}/{FormatMac(mask)}";

    /// <summary>Decimal when the whole field is matched, else 0xVALUE/0xMASK.</summary>
    public static string FormatNumberMasked(ulong value, ulong mask, ulong fullMask) =>
        mask == fullMask
            ? value.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"0x{value:x}/0x{mask:x}");
}
