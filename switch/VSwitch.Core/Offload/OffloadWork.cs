namespace VSwitch.Core.Offload;

/// <summary>What the switch has to finish in software before a frame goes to a port (<see cref="SoftwareOffload.WorkFor"/>).</summary>
public enum OffloadWork : byte
{
    /// <summary>Nothing: the frame is complete, or the port's peer accepts what it asks.</summary>
    None,

    /// <summary>Complete the pending checksum in place (<see cref="SoftwareOffload.TryCompleteChecksum"/>).</summary>
    Checksum,

    /// <summary>Cut the super-frame into segments with complete checksums (<see cref="TcpSegmenter"/>).</summary>
    Segment,
}
