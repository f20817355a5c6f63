namespace VSwitch.Core.Time;

/// <summary>Monotonic time, injectable so that aging and timeouts are tested without sleeping (OVS time/warp).</summary>
public interface IClock
{
    /// <summary>Monotonic milliseconds since an arbitrary start.</summary>
    long NowMilliseconds { get; }
}
