using System.Numerics;
using System.Runtime.CompilerServices;
using VSwitch.Flows.Keys;

namespace VSwitch.Flows.Cache;

/// <summary>
/// Per-datapath-thread exact-match cache (OVS EMC): full <see cref="FlowKey"/> → the index of a translated flow in
/// the thread's <see cref="FlowCache"/>.
/// Design note: a fixed power-of-two array; each key has two candidate slots (the low hash bits, then the bits above
/// them, as OVS's <c>EM_FLOW_HASH_SEGS</c>). An entry counts only while its epoch equals the one the caller passes,
/// so flushing the flow cache invalidates everything at once without touching the array. Thread rules: not
/// thread-safe, one instance per datapath thread. Cost: a lookup is one or two slot probes and a 128-byte compare;
/// no allocation after construction.
/// </summary>
public sealed class ExactMatchCache
{
    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly int _shift;

    /// <summary>Creates a cache with <paramref name="entries"/> slots (a power of two, 2 .. 2^24).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a power of two in range.</exception>
    public ExactMatchCache(int entries = 8192)
    {
        if (entries < 2 || entries > 1 << 24 || !BitOperations.IsPow2(entries))
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries, "must be a power of two between 2 and 2^24");
        }
        _entries = new Entry[entries];
        _mask = entries - 1;
        _shift = BitOperations.Log2((uint)entries);
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => _entries.Length;

    /// <summary>Lookups that found a valid entry.</summary>
    public long Hits { get; private set; }

    /// <summary>Lookups that did not.</summary>
    public long Misses { get; private set; }

    /// <summary>
    /// Finds the value cached for <paramref name="key"/> (whose <see cref="FlowKey.ComputeHash"/> is
    /// <paramref name="hash"/>) under <paramref name="epoch"/>. Owning thread only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLookup(in FlowKey key, uint hash, long epoch, out int value)
    {
        ref Entry a = ref _entries[(int)hash & _mask];
        if (a.Hash == hash && a.Epoch == epoch && a.Key.Equals(key))
        {
            Hits++;
            value = a.Value;
            return true;
        }
        ref Entry b = ref _entries[(int)(hash >> _shift) & _mask];
        if (b.Hash == hash && b.Epoch == epoch && b.Key.Equals(key))
        {
            Hits++;
            value = b.Value;
            return true;
        }
        Misses++;
        value = -1;
        return false;
    }

    /// <summary>
    /// Caches <paramref name="value"/> for <paramref name="key"/> under <paramref name="epoch"/>, taking the candidate
    /// slot that already holds this key, else one that is stale, else the one with the lower hash. Owning thread only.
    /// </summary>
    public void Insert(in FlowKey key, uint hash, long epoch, int value)
    {
        ref Entry a = ref _entries[(int)hash & _mask];
        ref Entry b = ref _entries[(int)(hash >> _shift) & _mask];
        ref Entry target = ref a;
        if (a.Hash == hash && a.Key.Equals(key))
        {
            target = ref a;
        }
        else if (b.Hash == hash && b.Key.Equals(key))
        {
            target = ref b;
        }
        else if (a.Epoch != epoch)
        {
            target = ref a;
        }
        else if (b.Epoch != epoch || b.Hash < a.Hash)
        {
            target = ref b;
        }
        target.Key = key;
        target.Hash = hash;
        target.Epoch = epoch;
        target.Value = value;
    }

    /// <summary>Forgets every entry and zeroes the counters. Owning thread only.</summary>
    public void Clear()
    {
        Array.Clear(_entries);
        Hits = 0;
        Misses = 0;
    }

    private struct Entry
    {
        public FlowKey Key;
        public long Epoch;
        public uint Hash;
        public int Value;
    }
}
