namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.SwitchConfigFailed"/> (<c>enum ofp_switch_config_failed_code</c>).</summary>
public enum SwitchConfigFailedCode : ushort
{
    /// <summary>Invalid flags.</summary>
    BadFlags = 0,
    /// <summary>Invalid miss_send_len.</summary>
    BadLen = 1,
    /// <summary>Permissions error.</summary>
    Eperm = 2,
}
