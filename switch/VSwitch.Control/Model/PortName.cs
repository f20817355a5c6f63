namespace VSwitch.Control.Model;

/// <summary>
/// Rules for port and bridge names. A name must read unambiguously in flow text (<c>in_port=vm1</c>,
/// <c>output:vm2</c>) and be usable as a file name (<c>RUN_DIR/NAME.sock</c>): so it starts with a letter,
/// continues with letters, digits, '_', '-' or '.', is at most 64 characters, and is no flow keyword.
/// </summary>
public static class PortName
{
    /// <summary>Longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "a letter, then up to 63 letters, digits, '_', '-' or '.'; not a flow keyword";

    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "output", "normal", "flood", "all", "in_port", "local", "drop", "controller", "table", "none", "any",
        "mod_vlan_vid", "mod_vlan_pcp", "strip_vlan", "pop_vlan", "push_vlan", "mod_dl_src", "mod_dl_dst",
    };

    /// <summary>True when <paramref name="name"/> follows the rule.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetter(name[0]) || s_reserved.Contains(name))
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-' && c != '.')
            {
                return false;
            }
        }
        return true;
    }
}
