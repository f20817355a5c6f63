namespace VSwitch.Control.Runtime;

/// <summary>Where a capture is in its life.</summary>
public enum CaptureState
{
    /// <summary>Waiting for its reader to connect.</summary>
    Waiting,

    /// <summary>Recording.</summary>
    Running,

    /// <summary>Ended; its file is complete.</summary>
    Finished,
}
