namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.HelloFailed"/> (<c>enum ofp_hello_failed_code</c>).</summary>
public enum HelloFailedCode : ushort
{
    /// <summary>No version both sides support.</summary>
    Incompatible = 0,
    /// <summary>Permissions error.</summary>
    Eperm = 1,
}
