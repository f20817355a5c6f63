using System.Numerics;
using System.Runtime.CompilerServices;
using VSwitch.Core.Packets;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Translation;

namespace VSwitch.Flows.Cache;

/// <summary>
/// A datapath thread's cache of translated flows (OVS's per-PMD <c>dpcls</c> with its EMC in front): the exact-match
/// cache maps a full key to a flow; on a miss the megaflows are searched, one hash probe per distinct mask, each
/// megaflow being a masked key whose translation holds for every packet that agrees with it on the mask; on a miss
/// there the caller translates (<see cref="FlowTranslator"/>) and <see cref="Install"/>s the result.
/// Design note: everything is preallocated: flows, their masked keys, one array of ops and one of credits that flows
/// take slices of, the masks and the hash index. Nothing is ever removed one by one: when the pipeline changes, or
/// when what is left could not take a whole batch of new flows, <see cref="BeginBatch"/> empties everything (a new
/// epoch retires every exact-match entry at once). So a flow index stays valid for the whole batch that got it.
/// Thread rules: one instance per datapath thread; not thread-safe; no allocation after construction.
/// </summary>
public sealed class FlowCache
{
    /// <summary>Most distinct megaflow masks.</summary>
    public const int MaxMasks = 256;

    private const int MaxWords = FlowKey.Words;
    private const uint Seed = 0x6a09e667;

    private readonly ExactMatchCache _emc;
    private readonly CachedFlow[] _flows;
    private readonly FlowKey[] _keys;
    private readonly DpOp[] _ops;
    private readonly FlowCredit[] _credits;
    private readonly FlowMask[] _masks = new FlowMask[MaxMasks];
    private readonly byte[] _maskWordIndex = new byte[MaxMasks * MaxWords];
    private readonly ulong[] _maskWordValue = new ulong[MaxMasks * MaxWords];
    private readonly int[] _maskWordCount = new int[MaxMasks];
    private readonly int[] _slots;
    private readonly uint[] _slotHashes;
    private readonly int _slotMask;
    private int _flowCount;
    private int _opCount;
    private int _creditCount;
    private int _maskCount;
    private long _epoch = 1;

    /// <summary>Creates the cache: <paramref name="emcEntries"/> exact-match slots, room for <paramref name="megaflows"/> flows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is too small to hold a batch of new flows.</exception>
    public FlowCache(int emcEntries = 8192, int megaflows = 16384, int ops = 1 << 16, int credits = 1 << 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(megaflows, 2 * PacketBatch.Capacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(ops, 2 * PacketBatch.Capacity * FlowTranslator.MaxOps);
        ArgumentOutOfRangeException.ThrowIfLessThan(credits, 2 * PacketBatch.Capacity * FlowTranslator.MaxCredits);
        _emc = new ExactMatchCache(emcEntries);
        _flows = new CachedFlow[megaflows];
        _keys = new FlowKey[megaflows];
        _ops = new DpOp[ops];
        _credits = new FlowCredit[credits];
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)megaflows * 2);
        _slots = new int[slots];
        _slotHashes = new uint[slots];
        _slotMask = slots - 1;
    }

    /// <summary>The exact-match cache (its hit and miss counters).</summary>
    public ExactMatchCache Exact => _emc;

    /// <summary>The pipeline generation the cached flows were translated from (0 before the first batch).</summary>
    public long Generation { get; private set; }

    /// <summary>Translated flows held.</summary>
    public int FlowCount => _flowCount;

    /// <summary>Distinct megaflow masks held.</summary>
    public int MaskCount => _maskCount;

    /// <summary>Lookups the megaflows answered (after an exact-match miss).</summary>
    public long MegaflowHits { get; private set; }

    /// <summary>Times the cache was emptied (pipeline changes and full caches).</summary>
    public long Flushes { get; private set; }

    /// <summary>
    /// Starts a batch under <paramref name="pipeline"/>: empties the cache when the pipeline is not the one its flows
    /// came from, or when it could not take a whole batch of new flows. Owning thread only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginBatch(FlowPipeline pipeline)
    {
        if (pipeline.Generation != Generation || _flowCount > _flows.Length - PacketBatch.Capacity
            || _opCount > _ops.Length - (PacketBatch.Capacity * FlowTranslator.MaxOps)
            || _creditCount > _credits.Length - (PacketBatch.Capacity * FlowTranslator.MaxCredits)
            || _maskCount > MaxMasks - PacketBatch.Capacity)
        {
            Flush(pipeline.Generation);
        }
    }

    /// <summary>The flow cached for exactly <paramref name="key"/> (hash <paramref name="hash"/>). Owning thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLookupExact(in FlowKey key, uint hash, out int flow) => _emc.TryLookup(in key, hash, _epoch, out flow);

    /// <summary>The megaflow <paramref name="key"/> falls in, which then also goes to the exact-match cache. Owning thread only.</summary>
    public bool TryLookupMegaflow(in FlowKey key, uint hash, out int flow)
    {
        ReadOnlySpan<ulong> k = FlowKey.AsWords(in key);
        for (int m = 0; m < _maskCount; m++)
        {
            uint h = MaskedHash(k, m);
            int slot = (int)h & _slotMask;
            while (true)
            {
                int stored = _slots[slot] - 1;
                if (stored < 0)
                {
                    break;
                }
                if (_slotHashes[slot] == h && _flows[stored].MaskIndex == m && MaskedEquals(k, m, stored))
                {
                    MegaflowHits++;
                    _emc.Insert(in key, hash, _epoch, stored);
                    flow = stored;
                    return true;
                }
                slot = (slot + 1) & _slotMask;
            }
        }
        flow = -1;
        return false;
    }

    /// <summary>
    /// Files what <paramref name="translator"/> just produced for <paramref name="key"/> as a megaflow and in the
    /// exact-match cache, and returns its index. Always succeeds within a batch (see <see cref="BeginBatch"/>).
    /// Owning thread only.
    /// </summary>
    public int Install(in FlowKey key, uint hash, FlowTranslator translator)
    {
        ArgumentNullException.ThrowIfNull(translator);
        int m = FindOrAddMask(in translator.Mask);
        int index = _flowCount++;
        ref CachedFlow f = ref _flows[index];
        ReadOnlySpan<DpOp> ops = translator.Ops;
        ReadOnlySpan<FlowCredit> credits = translator.Credits;
        f.OpStart = _opCount;
        f.OpCount = ops.Length;
        ops.CopyTo(_ops.AsSpan(_opCount));
        _opCount += ops.Length;
        f.CreditStart = _creditCount;
        f.CreditCount = credits.Length;
        credits.CopyTo(_credits.AsSpan(_creditCount));
        _creditCount += credits.Length;
        f.End = translator.End;
        f.MaskIndex = m;
        f.LastUse = DpOpList.LastUse(ops, 0, ops.Length);
        (f.Shape, f.Port) = ShapeOf(ops, f.LastUse);
        _keys[index] = translator.Mask.Apply(in key);
        uint h = MaskedHash(FlowKey.AsWords(in key), m);
        int slot = (int)h & _slotMask;
        while (_slots[slot] != 0)
        {
            slot = (slot + 1) & _slotMask;
        }
        _slots[slot] = index + 1;
        _slotHashes[slot] = h;
        _emc.Insert(in key, hash, _epoch, index);
        return index;
    }

    /// <summary>The flow at <paramref name="flow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly CachedFlow Flow(int flow) => ref _flows[flow];

    /// <summary>The ops of the flow at <paramref name="flow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<DpOp> Ops(int flow)
    {
        ref readonly CachedFlow f = ref _flows[flow];
        return _ops.AsSpan(f.OpStart, f.OpCount);
    }

    /// <summary>The credits of the flow at <paramref name="flow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<FlowCredit> Credits(int flow)
    {
        ref readonly CachedFlow f = ref _flows[flow];
        return _credits.AsSpan(f.CreditStart, f.CreditCount);
    }

    /// <summary>Empties the cache (next translation starts afresh). Owning thread only.</summary>
    public void Clear() => Flush(0);

    private void Flush(long generation)
    {
        if (_flowCount != 0)
        {
            Array.Clear(_slots);
            Array.Clear(_credits, 0, _creditCount);
            Flushes++;
        }
        _flowCount = 0;
        _opCount = 0;
        _creditCount = 0;
        _maskCount = 0;
        _epoch++;
        Generation = generation;
    }

    private int FindOrAddMask(in FlowMask mask)
    {
        for (int m = 0; m < _maskCount; m++)
        {
            if (_masks[m].Equals(mask))
            {
                return m;
            }
        }
        int index = _maskCount++;
        _masks[index] = mask;
        ReadOnlySpan<ulong> w = FlowMask.AsWords(in mask);
        int n = 0;
        for (int i = 0; i < w.Length; i++)
        {
            if (w[i] != 0)
            {
                _maskWordIndex[(index * MaxWords) + n] = (byte)i;
                _maskWordValue[(index * MaxWords) + n] = w[i];
                n++;
            }
        }
        _maskWordCount[index] = n;
        return index;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint MaskedHash(ReadOnlySpan<ulong> k, int m)
    {
        int n = _maskWordCount[m];
        ReadOnlySpan<byte> idx = _maskWordIndex.AsSpan(m * MaxWords, n);
        ReadOnlySpan<ulong> val = _maskWordValue.AsSpan(m * MaxWords, n);
        uint h = Seed + (uint)m;
        for (int j = 0; j < idx.Length && j < val.Length; j++)
        {
            h = BitOperations.Crc32C(h, k[idx[j]] & val[j]);
        }
        return FlowKey.Avalanche(h);
    }

    private bool MaskedEquals(ReadOnlySpan<ulong> k, int m, int flow)
    {
        ReadOnlySpan<ulong> stored = FlowKey.AsWords(in _keys[flow]);
        int n = _maskWordCount[m];
        ReadOnlySpan<byte> idx = _maskWordIndex.AsSpan(m * MaxWords, n);
        ReadOnlySpan<ulong> val = _maskWordValue.AsSpan(m * MaxWords, n);
        for (int j = 0; j < idx.Length && j < val.Length; j++)
        {
            int w = idx[j];
            if ((k[w] & val[j]) != stored[w])
            {
                return false;
            }
        }
        return true;
    }

    private static (FlowShape Shape, ushort Port) ShapeOf(ReadOnlySpan<DpOp> ops, int lastUse)
    {
        if (ops.Length == 0)
        {
            return (FlowShape.Drop, 0);
        }
        if (ops.Length == 1 && ops[0].Kind == DpOpKind.Normal)
        {
            return (FlowShape.Normal, 0);
        }
        if (ops.Length == 1 && ops[0].Kind == DpOpKind.Output)
        {
            return (FlowShape.Output, ops[0].Port);
        }
        return (FlowShape.General, 0);
    }
}
