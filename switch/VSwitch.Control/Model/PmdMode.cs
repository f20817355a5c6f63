namespace VSwitch.Control.Model;

/// <summary>How a datapath thread behaves when its queues are empty.</summary>
public enum PmdMode
{
    /// <summary>Busy-poll while there is traffic; after a run of empty polls sleep on the kick eventfds (the default).</summary>
    Adaptive,

    /// <summary>Always poll: lowest latency, one full CPU per thread.</summary>
    Busy,
}
