namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.TableModFailed"/> (<c>enum ofp_table_mod_failed_code</c>).</summary>
public enum TableModFailedCode : ushort
{
    /// <summary>The table does not exist.</summary>
    BadTable = 0,
    /// <summary>Invalid config.</summary>
    BadConfig = 1,
    /// <summary>Permissions error.</summary>
    Eperm = 2,
}
