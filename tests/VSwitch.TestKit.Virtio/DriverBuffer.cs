namespace VSwitch.TestKit.Virtio;

/// <summary>One buffer element of a chain the test driver builds: where, how long, and which direction.</summary>
/// <param name="Gpa">Guest-physical address.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="IsWritable">Device-writable (VIRTQ_DESC_F_WRITE) when true, device-readable otherwise.</param>
public readonly record struct DriverBuffer(ulong Gpa, uint Length, bool IsWritable)
{
    /// <summary>A device-readable element.</summary>
    public static DriverBuffer Readable(ulong gpa, uint length) => new(gpa, length, false);

    /// <summary>A device-writable element.</summary>
    public static DriverBuffer Writable(ulong gpa, uint length) => new(gpa, length, true);
}
