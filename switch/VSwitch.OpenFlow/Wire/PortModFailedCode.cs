namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.PortModFailed"/> (<c>enum ofp_port_mod_failed_code</c>).</summary>
public enum PortModFailedCode : ushort
{
    /// <summary>The port does not exist.</summary>
    BadPort = 0,
    /// <summary>The hardware address does not match the port.</summary>
    BadHwAddr = 1,
    /// <summary>Invalid config.</summary>
    BadConfig = 2,
    /// <summary>Invalid advertise.</summary>
    BadAdvertise = 3,
    /// <summary>Permissions error.</summary>
    Eperm = 4,
}
