namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.TableFeaturesFailed"/> (<c>enum ofp_table_features_failed_code</c>).</summary>
public enum TableFeaturesFailedCode : ushort
{
    /// <summary>The table does not exist.</summary>
    BadTable = 0,
    /// <summary>Invalid metadata mask.</summary>
    BadMetadata = 1,
    /// <summary>Unknown property type.</summary>
    BadType = 2,
    /// <summary>Length problem in properties.</summary>
    BadLen = 3,
    /// <summary>Unsupported property value.</summary>
    BadArgument = 4,
    /// <summary>Permissions error.</summary>
    Eperm = 5,
}
