namespace VSwitch.Ports.Vxlan;

/// <summary>What <see cref="VxlanHeader.Read"/> found.</summary>
public enum VxlanHeaderStatus
{
    /// <summary>A valid header: I flag set, reserved bits clear.</summary>
    Ok,

    /// <summary>Fewer than 8 bytes.</summary>
    Short,

    /// <summary>The I flag is clear or a reserved bit is set.</summary>
    BadFlags,
}
