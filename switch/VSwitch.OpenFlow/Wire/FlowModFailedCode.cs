namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.FlowModFailed"/> (<c>enum ofp_flow_mod_failed_code</c>).</summary>
public enum FlowModFailedCode : ushort
{
    /// <summary>Unspecified error.</summary>
    Unknown = 0,
    /// <summary>The table is full.</summary>
    TableFull = 1,
    /// <summary>The table does not exist.</summary>
    BadTableId = 2,
    /// <summary>CHECK_OVERLAP was set and an overlapping entry exists.</summary>
    Overlap = 3,
    /// <summary>Permissions error.</summary>
    Eperm = 4,
    /// <summary>Unsupported idle or hard timeout.</summary>
    BadTimeout = 5,
    /// <summary>Unknown command.</summary>
    BadCommand = 6,
    /// <summary>Unknown flags.</summary>
    BadFlags = 7,
}
