namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.GroupModFailed"/> (<c>enum ofp_group_mod_failed_code</c>).</summary>
public enum GroupModFailedCode : ushort
{
    /// <summary>ADD of an existing group.</summary>
    GroupExists = 0,
    /// <summary>The group id is invalid.</summary>
    InvalidGroup = 1,
    /// <summary>Unequal select weights are not supported.</summary>
    WeightUnsupported = 2,
    /// <summary>The group table is full.</summary>
    OutOfGroups = 3,
    /// <summary>Too many buckets.</summary>
    OutOfBuckets = 4,
    /// <summary>Groups forwarding to groups are not supported.</summary>
    ChainingUnsupported = 5,
    /// <summary>Watch port or group not supported.</summary>
    WatchUnsupported = 6,
    /// <summary>The group would form a loop.</summary>
    Loop = 7,
    /// <summary>MODIFY of a group that does not exist.</summary>
    UnknownGroup = 8,
    /// <summary>Another group forwards to this one.</summary>
    ChainedGroup = 9,
    /// <summary>Unknown or unsupported group type.</summary>
    BadType = 10,
    /// <summary>Unknown command.</summary>
    BadCommand = 11,
    /// <summary>Error in a bucket.</summary>
    BadBucket = 12,
    /// <summary>Error in watch port or group.</summary>
    BadWatch = 13,
    /// <summary>Permissions error.</summary>
    Eperm = 14,
}
