using VSwitch.Core.Time;

namespace VSwitch.TestKit;

/// <summary>A clock that only moves when a test says so (OVS time/warp).</summary>
public sealed class ManualClock : IClock
{
    /// <inheritdoc/>
    public long NowMilliseconds { get; set; }

    /// <summary>Moves time forward.</summary>
    public void Advance(TimeSpan by) => NowMilliseconds += (long)by.TotalMilliseconds;
}
