namespace VSwitch.Control.Runtime;

/// <summary>Which frames of the captured ports a capture records.</summary>
public enum CaptureDirection
{
    /// <summary>Frames the switch receives from the ports.</summary>
    Rx,

    /// <summary>Frames the switch sends to the ports.</summary>
    Tx,

    /// <summary>Both.</summary>
    Both,
}
