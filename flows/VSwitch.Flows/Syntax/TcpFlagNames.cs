using System.Text;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// TCP flag names in ovs-ofctl's +flag-flag form. Bit values are those of the TCP header's flag field
/// (RFC 9293 §3.1, plus ECE/CWR from RFC 3168 §23.2 and NS from RFC 3540).
/// </summary>
internal static class TcpFlagNames
{
    /// <summary>The 12 bits of the flags field that a flow can match.</summary>
    public const ushort AllFlags = 0x0fff;

    private static readonly (string Name, ushort Bit)[] s_flags =
    [
        ("fin", 0x001), ("syn", 0x002), ("rst", 0x004), ("psh", 0x008), ("ack", 0x010),
        ("urg", 0x020), ("ece", 0x040), ("cwr", 0x080), ("ns", 0x100),
    ];

    /// <summary>Parses "+syn-ack": '+' flags must be set, '-' flags must be clear, others are ignored.</summary>
    public static bool TryParseSigned(string text, out ushort value, out ushort mask, out int badAt, out string bad)
    {
        value = 0;
        mask = 0;
        int i = 0;
        while (i < text.Length)
        {
            char sign = text[i];
            int start = i + 1;
            int end = start;
            while (end < text.Length && text[end] != '+' && text[end] != '-')
            {
                end++;
            }
            ushort bit = Lookup(text.AsSpan(start, end - start));
            if ((sign != '+' && sign != '-') || bit == 0)
            {
                badAt = i;
                bad = text[i..end];
                return false;
            }
            mask |= bit;
            value = sign == '+' ? (ushort)(value | bit) : (ushort)(value & ~bit);
            i = end;
        }
        badAt = 0;
        bad = string.Empty;
        return true;
    }

    /// <summary>True when every bit of <paramref name="mask"/> has a name, so the +/- form can express it.</summary>
    public static bool CanName(ushort mask)
    {
        ushort named = 0;
        foreach ((_, ushort bit) in s_flags)
        {
            named |= bit;
        }
        return mask != 0 && (mask & ~named) == 0;
    }

    /// <summary>"+syn-ack" for value 0x002, mask 0x012. Requires <see cref="CanName"/>.</summary>
    public static string FormatSigned(ushort value, ushort mask)
    {
        var sb = new StringBuilder();
        foreach ((string name, ushort bit) in s_flags)
        {
            if ((mask & bit) != 0)
            {
                sb.Append((value & bit) != 0 ? '+' : '-').Append(name);
            }
        }
        return sb.ToString();
    }

    private static ushort Lookup(ReadOnlySpan<char> name)
    {
        foreach ((string n, ushort bit) in s_flags)
        {
            if (name.Equals(n, StringComparison.OrdinalIgnoreCase))
            {
                return bit;
            }
        }
        return 0;
    }
}
