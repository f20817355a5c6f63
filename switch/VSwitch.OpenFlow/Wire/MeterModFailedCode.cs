namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.MeterModFailed"/> (<c>enum ofp_meter_mod_failed_code</c>).</summary>
public enum MeterModFailedCode : ushort
{
    /// <summary>Unspecified error.</summary>
    Unknown = 0,
    /// <summary>ADD of an existing meter.</summary>
    MeterExists = 1,
    /// <summary>The meter id is invalid.</summary>
    InvalidMeter = 2,
    /// <summary>MODIFY of a meter that does not exist.</summary>
    UnknownMeter = 3,
    /// <summary>Unknown command.</summary>
    BadCommand = 4,
    /// <summary>Unsupported flags.</summary>
    BadFlags = 5,
    /// <summary>Unsupported rate.</summary>
    BadRate = 6,
    /// <summary>Unsupported burst size.</summary>
    BadBurst = 7,
    /// <summary>Unsupported band.</summary>
    BadBand = 8,
    /// <summary>Unsupported band value.</summary>
    BadBandValue = 9,
    /// <summary>No more meters.</summary>
    OutOfMeters = 10,
    /// <summary>Too many bands.</summary>
    OutOfBands = 11,
}
