namespace VSwitch.Datapath.Capture;

/// <summary>Where on a port a captured frame was seen.</summary>
public enum CaptureKind : byte
{
    /// <summary>Received from the port (inbound), before the pipeline.</summary>
    Rx,

    /// <summary>Handed to the port for transmission (outbound).</summary>
    Tx,

    /// <summary>Received from the port and dropped by the switch; the record carries the <see cref="VSwitch.Core.Diagnostics.DropReason"/>.</summary>
    Drop,
}
