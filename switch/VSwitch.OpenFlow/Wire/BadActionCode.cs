namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.BadAction"/> (<c>enum ofp_bad_action_code</c>).</summary>
public enum BadActionCode : ushort
{
    /// <summary>Unknown action type.</summary>
    BadType = 0,
    /// <summary>Length problem in actions.</summary>
    BadLen = 1,
    /// <summary>Unknown experimenter id.</summary>
    BadExperimenter = 2,
    /// <summary>Unknown action type for the experimenter id.</summary>
    BadExpType = 3,
    /// <summary>Invalid output port.</summary>
    BadOutPort = 4,
    /// <summary>Bad action argument.</summary>
    BadArgument = 5,
    /// <summary>Permissions error.</summary>
    Eperm = 6,
    /// <summary>Too many actions.</summary>
    TooMany = 7,
    /// <summary>Invalid output queue.</summary>
    BadQueue = 8,
    /// <summary>Invalid group id.</summary>
    BadOutGroup = 9,
    /// <summary>The action does not fit the match, or a set-field lacks its prerequisite.</summary>
    MatchInconsistent = 10,
    /// <summary>Action order not supported in an apply-actions list.</summary>
    UnsupportedOrder = 11,
    /// <summary>Unsupported tag or encapsulation.</summary>
    BadTag = 12,
    /// <summary>Unsupported field in a set-field action.</summary>
    BadSetType = 13,
    /// <summary>Length problem in a set-field action.</summary>
    BadSetLen = 14,
    /// <summary>Bad value in a set-field action.</summary>
    BadSetArgument = 15,
}
