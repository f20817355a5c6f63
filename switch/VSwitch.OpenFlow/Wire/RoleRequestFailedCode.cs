namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.RoleRequestFailed"/> (<c>enum ofp_role_request_failed_code</c>).</summary>
public enum RoleRequestFailedCode : ushort
{
    /// <summary>The generation id is older than the last one seen.</summary>
    Stale = 0,
    /// <summary>Role change not supported.</summary>
    Unsup = 1,
    /// <summary>Invalid role.</summary>
    BadRole = 2,
}
