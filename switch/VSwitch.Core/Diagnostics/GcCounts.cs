namespace VSwitch.Core.Diagnostics;

/// <summary>
/// Garbage collections of the whole process by generation (a gen-1 collection also counts as gen 0, as the runtime
/// counts them). Taken with <see cref="Now"/> and subtracted to get the collections over an interval.
/// </summary>
/// <param name="Gen0">Gen-0 collections.</param>
/// <param name="Gen1">Gen-1 collections.</param>
/// <param name="Gen2">Gen-2 (full) collections.</param>
public readonly record struct GcCounts(int Gen0, int Gen1, int Gen2)
{
    /// <summary>The process's collection counts so far.</summary>
    public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    /// <summary>Collections between <paramref name="earlier"/> and <paramref name="later"/>.</summary>
    public static GcCounts operator -(GcCounts later, GcCounts earlier) =>
        new(later.Gen0 - earlier.Gen0, later.Gen1 - earlier.Gen1, later.Gen2 - earlier.Gen2);
}
