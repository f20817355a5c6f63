using System.Runtime.CompilerServices;

namespace VSwitch.Core.Diagnostics;

/// <summary>
/// One counter per <see cref="DropReason"/>. Single writer (the owning thread), any number of readers
/// that accept a slightly stale value. Incrementing is one array store.
/// </summary>
public sealed class DropCounters
{
    private readonly long[] _counts = new long[(int)DropReason.Count];

    /// <summary>Adds <paramref name="packets"/> drops for <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(DropReason reason, long packets = 1)
    {
        if ((uint)reason < (uint)_counts.Length)
        {
            _counts[(int)reason] += packets;
        }
    }

    /// <summary>The count for one reason.</summary>
    public long this[DropReason reason] => (uint)reason < (uint)_counts.Length ? Volatile.Read(ref _counts[(int)reason]) : 0;

    /// <summary>Sum over every reason.</summary>
    public long Total
    {
        get
        {
            long t = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                t += Volatile.Read(ref _counts[i]);
            }
            return t;
        }
    }

    /// <summary>Adds every counter of <paramref name="other"/> into this one (control plane aggregation).</summary>
    public void AddFrom(DropCounters other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Volatile.Read(ref other._counts[i]);
        }
    }

    /// <summary>Zeroes every counter.</summary>
    public void Clear() => Array.Clear(_counts);
}
