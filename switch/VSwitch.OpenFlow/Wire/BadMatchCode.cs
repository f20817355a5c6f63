namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.BadMatch"/> (<c>enum ofp_bad_match_code</c>).</summary>
public enum BadMatchCode : ushort
{
    /// <summary>Unsupported match type (only OXM is).</summary>
    BadType = 0,
    /// <summary>Length problem in the match.</summary>
    BadLen = 1,
    /// <summary>Unsupported tag or encapsulation.</summary>
    BadTag = 2,
    /// <summary>Unsupported Ethernet address mask.</summary>
    BadDlAddrMask = 3,
    /// <summary>Unsupported network address mask.</summary>
    BadNwAddrMask = 4,
    /// <summary>A value bit is set where the mask is 0, or an unsupported combination of fields.</summary>
    BadWildcards = 5,
    /// <summary>Unsupported field.</summary>
    BadField = 6,
    /// <summary>Unsupported value in a field.</summary>
    BadValue = 7,
    /// <summary>Unsupported mask (or a mask on a field that takes none).</summary>
    BadMask = 8,
    /// <summary>A prerequisite is missing.</summary>
    BadPrereq = 9,
    /// <summary>A field appears twice.</summary>
    DupField = 10,
    /// <summary>Permissions error.</summary>
    Eperm = 11,
}
