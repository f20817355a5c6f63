using System.Numerics;
using System.Runtime.CompilerServices;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Classifier;

/// <summary>
/// All rules of a classifier that share one mask: an open-addressing hash table from masked key to the
/// best rule with that masked key (rules with the same masked key match the same packets, so only the
/// highest-priority one can ever win). Only the key words the mask touches are hashed and stored
/// (the miniflow idea). Immutable after construction; thread-safe.
/// </summary>
internal sealed class Subtable
{
    private const uint Seed = 0x2545f491;

    private readonly int[] _words;
    private readonly ulong[] _maskWords;
    private readonly ulong[] _keys;
    private readonly uint[] _hashes;
    private readonly FlowRule?[] _rules;
    private readonly int _slotMask;

    public Subtable(FlowMask mask, List<FlowRule> rules)
    {
        Mask = mask;
        ReadOnlySpan<ulong> m = FlowMask.AsWords(in mask);
        int n = 0;
        for (int i = 0; i < m.Length; i++)
        {
            n += m[i] != 0 ? 1 : 0;
        }
        _words = new int[n];
        _maskWords = new ulong[n];
        for (int i = 0, j = 0; i < m.Length; i++)
        {
            if (m[i] != 0)
            {
                _words[j] = i;
                _maskWords[j++] = m[i];
            }
        }
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, rules.Count * 2));
        _slotMask = slots - 1;
        _keys = new ulong[slots * n];
        _hashes = new uint[slots];
        _rules = new FlowRule?[slots];
        foreach (FlowRule r in rules)
        {
            Insert(r);
            MaxPriority = Math.Max(MaxPriority, r.Priority);
        }
    }

    public FlowMask Mask { get; }

    /// <summary>ORs this subtable's mask into <paramref name="consulted"/> (only the words it has).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddMaskTo(ref FlowMask consulted)
    {
        Span<ulong> c = FlowMask.AsWritableWords(ref consulted);
        int[] words = _words;
        ulong[] maskWords = _maskWords;
        for (int j = 0; j < words.Length && j < maskWords.Length; j++)
        {
            c[words[j]] |= maskWords[j];
        }
    }

    public int MaxPriority { get; }

    public int Count { get; private set; }

    /// <summary>The best rule of this subtable that matches <paramref name="key"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FlowRule? Find(in FlowKey key)
    {
        ReadOnlySpan<ulong> k = FlowKey.AsWords(in key);
        int[] words = _words;
        ulong[] maskWords = _maskWords;
        uint h = Seed;
        for (int j = 0; j < words.Length && j < maskWords.Length; j++)
        {
            h = BitOperations.Crc32C(h, k[words[j]] & maskWords[j]);
        }
        h = FlowKey.Avalanche(h);
        int slot = (int)h & _slotMask;

        // Terminates: the table has at least twice as many slots as entries, so an empty slot exists.
        while (true)
        {
            FlowRule? r = _rules[slot];
            if (r is null)
            {
                return null;
            }
            if (_hashes[slot] == h && StoredKeyEquals(slot, k))
            {
                return r;
            }
            slot = (slot + 1) & _slotMask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool StoredKeyEquals(int slot, ReadOnlySpan<ulong> k)
    {
        int n = _words.Length;
        ReadOnlySpan<ulong> stored = _keys.AsSpan(slot * n, n);
        for (int j = 0; j < stored.Length; j++)
        {
            if (stored[j] != (k[_words[j]] & _maskWords[j]))
            {
                return false;
            }
        }
        return true;
    }

    private void Insert(FlowRule rule)
    {
        ref readonly FlowKey key = ref rule.Match.KeyRef;
        ReadOnlySpan<ulong> k = FlowKey.AsWords(in key);
        uint h = Seed;
        for (int j = 0; j < _words.Length; j++)
        {
            h = BitOperations.Crc32C(h, k[_words[j]] & _maskWords[j]);
        }
        h = FlowKey.Avalanche(h);
        int slot = (int)h & _slotMask;
        while (_rules[slot] is FlowRule existing)
        {
            if (_hashes[slot] == h && StoredKeyEquals(slot, k))
            {
                if (TableClassifier.Beats(rule, existing))
                {
                    _rules[slot] = rule;
                }
                return;
            }
            slot = (slot + 1) & _slotMask;
        }
        _hashes[slot] = h;
        _rules[slot] = rule;
        for (int j = 0; j < _words.Length; j++)
        {
            _keys[(slot * _words.Length) + j] = k[_words[j]] & _maskWords[j];
        }
        Count++;
    }
}
