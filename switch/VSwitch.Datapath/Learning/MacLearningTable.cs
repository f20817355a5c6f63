using System.Numerics;
using System.Runtime.CompilerServices;
using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;

namespace VSwitch.Datapath.Learning;

/// <summary>
/// The forwarding database of the NORMAL action: (VLAN, MAC) → port, with aging and a size limit.
/// <para>
/// Design note. Layout: a set-associative table of buckets with <see cref="Ways"/> slots each, sized at
/// construction to twice the entry limit and never resized, so nothing is allocated afterwards. A slot is three
/// words in parallel arrays: a key (valid bit | VLAN &lt;&lt; 48 | MAC), a value (last-seen ms &lt;&lt; 16 | port)
/// and a sequence number. An address lives only in its own bucket, so lookups scan at most eight keys and
/// removal needs no tombstones.
/// </para>
/// <para>
/// Threading: every datapath thread learns into and looks up in the same table, because all threads must see
/// what any one learnt (OVS shares one <c>mac_learning</c> behind a rwlock). Here no lock is taken: each slot is
/// a seqlock. A writer claims a slot by moving its sequence from even to odd with one compare-and-swap, writes key
/// and value, and releases it with the next even number; a writer that loses the race skips this update (the
/// next packet from that address retries). A reader accepts a slot only if the sequence was even and unchanged
/// around its reads. Refreshing the last-seen time of an entry whose port is unchanged is a compare-and-swap on
/// the value word alone, done at most once per <see cref="RefreshIntervalMs"/> per entry (as OVS does once per
/// second), so steady traffic does not write shared cache lines. Accepted, documented races: two threads that
/// learn the same new address at the same instant may both insert it (the first way wins lookups; the copy ages
/// out), and the live count may briefly lag concurrent changes.
/// </para>
/// <para>
/// Cost: lookup and refresh are a multiply, a scan of one bucket and a few loads. A new address costs a bucket
/// scan; when the table is at its limit the least recently seen entry is found by scanning every slot
/// (O(capacity), on the order of one OVS upcall), and when only the address's own bucket is full, the least
/// recently seen entry of that bucket is evicted. Both count in <see cref="Evictions"/>.
/// Entries past their age are ignored by lookups at once and reclaimed by <see cref="RemoveExpired"/>, which the
/// control plane runs periodically (they also count towards the limit until then).
/// </para>
/// </summary>
public sealed partial class MacLearningTable
{
    /// <summary>Slots per bucket.</summary>
    public const int Ways = 8;

    /// <summary>Default entry limit (OVS <c>mac-table-size</c>).</summary>
    public const int DefaultMaxEntries = 8192;

    /// <summary>Default aging time in seconds (OVS <c>mac-aging-time</c>).</summary>
    public const int DefaultAgingSeconds = 300;

    /// <summary>Smallest aging time accepted.</summary>
    public const int MinAgingSeconds = 15;

    /// <summary>Largest aging time accepted.</summary>
    public const int MaxAgingSeconds = 3600;

    /// <summary>An entry's last-seen time is rewritten at most this often while its port stays the same.</summary>
    public const long RefreshIntervalMs = 1000;

    private const ulong ValidBit = 1UL << 63;
    private const ulong MacMask = 0xffff_ffff_ffffUL;
    private const ulong TimeMask = (1UL << 47) - 1;

    private readonly IClock _clock;
    private readonly ulong[] _keys;
    private readonly ulong[] _values;
    private readonly int[] _seqs;
    private readonly int _bucketMask;
    private int _maxEntries;
    private long _agingMs;
    private int _count;
    private long _learned;
    private long _moves;
    private long _evictions;
    private long _expired;
    private long _refused;

    /// <summary>
    /// Creates a table that holds up to <paramref name="maxEntries"/> addresses (its slot count is fixed at about
    /// twice that) and forgets an address <paramref name="agingSeconds"/> after it was last seen.
    /// </summary>
    public MacLearningTable(IClock clock, int maxEntries = DefaultMaxEntries, int agingSeconds = DefaultAgingSeconds)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxEntries, 1 << 24);
        _clock = clock;
        int buckets = (int)BitOperations.RoundUpToPowerOf2((uint)((maxEntries * 2L + Ways - 1) / Ways));
        _bucketMask = buckets - 1;
        _keys = new ulong[buckets * Ways];
        _values = new ulong[buckets * Ways];
        _seqs = new int[buckets * Ways];
        _maxEntries = maxEntries;
        AgingSeconds = agingSeconds;
    }

    /// <summary>Number of slots (the hard upper bound for <see cref="MaxEntries"/>).</summary>
    public int SlotCount => _keys.Length;

    /// <summary>The entry limit; at the limit a new address evicts the least recently seen one. 1..<see cref="SlotCount"/>.</summary>
    public int MaxEntries
    {
        get => Volatile.Read(ref _maxEntries);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, SlotCount);
            Volatile.Write(ref _maxEntries, value);
        }
    }

    /// <summary>Seconds after its last packet at which an address is forgotten, <see cref="MinAgingSeconds"/>..<see cref="MaxAgingSeconds"/>.</summary>
    public int AgingSeconds
    {
        get => (int)(Volatile.Read(ref _agingMs) / 1000);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, MinAgingSeconds);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxAgingSeconds);
            Volatile.Write(ref _agingMs, value * 1000L);
        }
    }

    /// <summary>Entries held (including aged ones not yet reclaimed).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>New addresses learnt.</summary>
    public long Learned => Volatile.Read(ref _learned);

    /// <summary>Addresses that moved from one port to another.</summary>
    public long Moves => Volatile.Read(ref _moves);

    /// <summary>Live entries evicted to make room (table at its limit, or the address's bucket full).</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>Entries removed because they aged out.</summary>
    public long Expired => Volatile.Read(ref _expired);

    /// <summary>Learning attempts refused because the source address was multicast.</summary>
    public long RefusedMulticast => Volatile.Read(ref _refused);

    /// <summary>The clock the table ages entries by (callers pass its time into the hot-path methods).</summary>
    public IClock Clock => _clock;

    /// <summary>
    /// Records that <paramref name="source"/> on <paramref name="vlan"/> was seen on <paramref name="port"/> at
    /// <paramref name="nowMs"/> (the <see cref="Clock"/> time, read once per batch by the caller).
    /// Any thread; lock-free; no allocation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LearnResult Learn(ushort vlan, MacAddress source, PortId port, long nowMs)
    {
        if (source.IsMulticast)
        {
            Interlocked.Increment(ref _refused);
            return LearnResult.Refused;
        }
        ulong key = MakeKey(vlan, source);
        ulong value = MakeValue(port, nowMs);
        int start = BucketStart(key);
        for (int i = start; i < start + Ways; i++)
        {
            if (Volatile.Read(ref _keys[i]) != key || !TryReadSlot(i, key, out ulong old))
            {
                continue;
            }
            if ((ushort)old == port.Value)
            {
                return Refresh(i, old, value, nowMs);
            }
            return Move(i, key, value);
        }
        return Insert(key, value, nowMs);
    }

    /// <summary>
    /// Finds the port <paramref name="mac"/> on <paramref name="vlan"/> was last seen on, if it was seen within the
    /// aging time before <paramref name="nowMs"/>. Any thread; lock-free; no allocation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLookup(ushort vlan, MacAddress mac, long nowMs, out PortId port)
    {
        ulong key = MakeKey(vlan, mac);
        int start = BucketStart(key);
        for (int i = start; i < start + Ways; i++)
        {
            if (Volatile.Read(ref _keys[i]) == key && TryReadSlot(i, key, out ulong value))
            {
                if (IsExpired(value, nowMs))
                {
                    break;
                }
                port = new PortId((ushort)value);
                return true;
            }
        }
        port = default;
        return false;
    }

    /// <summary><see cref="Learn(ushort, MacAddress, PortId, long)"/> at the clock's current time (control plane and tests).</summary>
    public LearnResult Learn(ushort vlan, MacAddress source, PortId port) => Learn(vlan, source, port, _clock.NowMilliseconds);

    /// <summary><see cref="TryLookup(ushort, MacAddress, long, out PortId)"/> at the clock's current time (control plane and tests).</summary>
    public bool TryLookup(ushort vlan, MacAddress mac, out PortId port) => TryLookup(vlan, mac, _clock.NowMilliseconds, out port);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MakeKey(ushort vlan, MacAddress mac) =>
        ValidBit | ((ulong)(vlan & 0x0fff) << 48) | (mac.Value & MacMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MakeValue(PortId port, long nowMs) => (((ulong)nowMs & TimeMask) << 16) | port.Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BucketStart(ulong key) => ((int)((key * 0x9E3779B97F4A7C15UL) >> 32) & _bucketMask) * Ways;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsExpired(ulong value, long nowMs) =>
        (long)(((ulong)nowMs & TimeMask) - (value >> 16)) >= Volatile.Read(ref _agingMs);

    /// <summary>Seqlock read: true when slot <paramref name="i"/> held <paramref name="key"/> with <paramref name="value"/> at one instant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReadSlot(int i, ulong key, out ulong value)
    {
        int s1 = Volatile.Read(ref _seqs[i]);
        ulong k = Volatile.Read(ref _keys[i]);
        value = Volatile.Read(ref _values[i]);
        int s2 = Volatile.Read(ref _seqs[i]);
        return (s1 & 1) == 0 && s1 == s2 && k == key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryClaim(int i, out int seq)
    {
        seq = Volatile.Read(ref _seqs[i]);
        return (seq & 1) == 0 && Interlocked.CompareExchange(ref _seqs[i], seq + 1, seq) == seq;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Release(int i, int seq) => Volatile.Write(ref _seqs[i], seq + 2);

    private LearnResult Refresh(int i, ulong old, ulong value, long nowMs)
    {
        long age = (long)(((ulong)nowMs & TimeMask) - (old >> 16));
        if (age < RefreshIntervalMs)
        {
            return LearnResult.Unchanged;
        }
        bool wasExpired = age >= Volatile.Read(ref _agingMs);
        if (Interlocked.CompareExchange(ref _values[i], value, old) != old)
        {
            return LearnResult.Skipped;
        }
        if (wasExpired)
        {
            Interlocked.Increment(ref _learned);
            return LearnResult.Learned;
        }
        return LearnResult.Refreshed;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private LearnResult Move(int i, ulong key, ulong value)
    {
        if (!TryClaim(i, out int seq))
        {
            return LearnResult.Skipped;
        }
        if (Volatile.Read(ref _keys[i]) != key)
        {
            Release(i, seq);
            return LearnResult.Skipped;
        }
        Volatile.Write(ref _values[i], value);
        Release(i, seq);
        Interlocked.Increment(ref _moves);
        return LearnResult.Moved;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private LearnResult Insert(ulong key, ulong value, long nowMs)
    {
        int start = BucketStart(key);
        int empty = -1;
        int oldest = start;
        for (int i = start; i < start + Ways; i++)
        {
            ulong k = Volatile.Read(ref _keys[i]);
            if (k == 0)
            {
                empty = empty < 0 ? i : empty;
            }
            else if ((Volatile.Read(ref _values[i]) >> 16) < (Volatile.Read(ref _values[oldest]) >> 16))
            {
                oldest = i;
            }
        }
        if (empty >= 0)
        {
            if (Count >= MaxEntries && !EvictOldest(nowMs))
            {
                return LearnResult.Skipped;
            }
            return FillEmpty(empty, key, value);
        }
        return Replace(oldest, key, value, nowMs);
    }

    private LearnResult FillEmpty(int i, ulong key, ulong value)
    {
        if (!TryClaim(i, out int seq))
        {
            return LearnResult.Skipped;
        }
        if (Volatile.Read(ref _keys[i]) != 0 || ContainsOtherThan(i, key))
        {
            Release(i, seq);
            return LearnResult.Skipped;
        }
        Volatile.Write(ref _values[i], value);
        Volatile.Write(ref _keys[i], key);
        Release(i, seq);
        Interlocked.Increment(ref _count);
        Interlocked.Increment(ref _learned);
        return LearnResult.Learned;
    }

    private LearnResult Replace(int i, ulong key, ulong value, long nowMs)
    {
        if (!TryClaim(i, out int seq))
        {
            return LearnResult.Skipped;
        }
        ulong old = Volatile.Read(ref _values[i]);
        if (Volatile.Read(ref _keys[i]) == 0 || ContainsOtherThan(i, key))
        {
            Release(i, seq);
            return LearnResult.Skipped;
        }
        Volatile.Write(ref _keys[i], key);
        Volatile.Write(ref _values[i], value);
        Release(i, seq);
        CountRemoval(old, nowMs);
        Interlocked.Increment(ref _learned);
        return LearnResult.Learned;
    }

    /// <summary>True when <paramref name="key"/> is already in its bucket at a slot other than <paramref name="except"/> (a racing insert won).</summary>
    private bool ContainsOtherThan(int except, ulong key)
    {
        int start = BucketStart(key);
        for (int i = start; i < start + Ways; i++)
        {
            if (i != except && Volatile.Read(ref _keys[i]) == key)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Removes the least recently seen entry of the whole table. O(slots); runs only when the table is at its limit.</summary>
    private bool EvictOldest(long nowMs)
    {
        int victim = -1;
        ulong best = ulong.MaxValue;
        for (int i = 0; i < _keys.Length; i++)
        {
            if (Volatile.Read(ref _keys[i]) != 0)
            {
                ulong t = Volatile.Read(ref _values[i]) >> 16;
                if (t < best)
                {
                    best = t;
                    victim = i;
                }
            }
        }
        if (victim < 0 || !TryClaim(victim, out int seq))
        {
            return false;
        }
        ulong old = Volatile.Read(ref _values[victim]);
        bool removed = Volatile.Read(ref _keys[victim]) != 0;
        if (removed)
        {
            Volatile.Write(ref _keys[victim], 0);
        }
        Release(victim, seq);
        if (removed)
        {
            Interlocked.Decrement(ref _count);
            CountRemoval(old, nowMs);
        }
        return removed;
    }

    private void CountRemoval(ulong oldValue, long nowMs)
    {
        if (IsExpired(oldValue, nowMs))
        {
            Interlocked.Increment(ref _expired);
        }
        else
        {
            Interlocked.Increment(ref _evictions);
        }
    }
}
