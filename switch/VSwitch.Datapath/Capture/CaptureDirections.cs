namespace VSwitch.Datapath.Capture;

/// <summary>Which frames of a port a capture records.</summary>
[Flags]
public enum CaptureDirections
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Frames received from the port.</summary>
    Rx = 1,

    /// <summary>Frames handed to the port for transmission.</summary>
    Tx = 2,

    /// <summary>Frames received from the port that the switch dropped (with the reason).</summary>
    Drops = 4,
}
