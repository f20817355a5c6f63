using System.Diagnostics;

namespace VSwitch.Core.Time;

/// <summary>The real monotonic clock (<see cref="Stopwatch"/>). Thread-safe.</summary>
public sealed class MonotonicClock : IClock
{
    /// <summary>The shared instance.</summary>
    public static MonotonicClock Instance { get; } = new();

    /// <inheritdoc/>
    public long NowMilliseconds => Environment.TickCount64;
}
