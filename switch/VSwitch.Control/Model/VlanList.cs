using System.Globalization;
using System.Text;

namespace VSwitch.Control.Model;

/// <summary>
/// A set of VLAN ids written as a list of ids and ranges, <c>10,20-30</c> (as ovs-vsctl's <c>trunks</c>).
/// The normal form is sorted, merged ranges, no spaces. Pure functions; thread-safe.
/// </summary>
public static class VlanList
{
    /// <summary>Largest VLAN id (IEEE 802.1Q: 12-bit VID).</summary>
    public const int MaxVlan = 4095;

    /// <summary>Parses <paramref name="text"/>; on success <paramref name="normalized"/> is the normal form.</summary>
    public static bool TryNormalize(string text, out string normalized, out string? error)
    {
        normalized = string.Empty;
        if (!TryParse(text, out bool[]? member, out error))
        {
            return false;
        }
        normalized = Format(member);
        return true;
    }

    /// <summary>Parses <paramref name="text"/> into a membership array indexed by VLAN id (length 4096).</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out bool[]? member, out string? error)
    {
        member = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the VLAN list is empty";
            return false;
        }
        var set = new bool[MaxVlan + 1];
        foreach (string raw in text.Split(','))
        {
            string item = raw.Trim();
            int dash = item.IndexOf('-', StringComparison.Ordinal);
            string first = dash < 0 ? item : item[..dash];
            string last = dash < 0 ? item : item[(dash + 1)..];
            if (!TryVlan(first, out int lo) || !TryVlan(last, out int hi) || hi < lo)
            {
                error = $"'{item}' is not a VLAN id or range within 0..{MaxVlan}";
                return false;
            }
            for (int v = lo; v <= hi; v++)
            {
                set[v] = true;
            }
        }
        member = set;
        return true;
    }

    private static bool TryVlan(string text, out int vlan) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out vlan) && vlan <= MaxVlan;

    private static string Format(bool[] member)
    {
        var sb = new StringBuilder();
        int v = 0;
        while (v <= MaxVlan)
        {
            if (!member[v])
            {
                v++;
                continue;
            }
            int start = v;
            while (v <= MaxVlan && member[v])
            {
                v++;
            }
            if (sb.Length > 0)
            {
                sb.Append(',');
            }
            sb.Append(start.ToString(CultureInfo.InvariantCulture));
            if (v - 1 > start)
            {
                sb.Append('-').Append((v - 1).ToString(CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }
}
