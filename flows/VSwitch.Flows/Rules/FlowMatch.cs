using System.Runtime.CompilerServices;
using VSwitch.Flows.Keys;

namespace VSwitch.Flows.Rules;

/// <summary>
/// What a flow matches: a key and a mask. The stored key is normalised (bits outside the mask are
/// cleared), so two matches that select the same packets compare equal. Immutable and thread-safe.
/// </summary>
public sealed class FlowMatch : IEquatable<FlowMatch>
{
    private readonly FlowKey _key;
    private readonly FlowMask _mask;

    /// <summary>Builds a match; bits of <paramref name="key"/> outside <paramref name="mask"/> are dropped.</summary>
    public FlowMatch(in FlowKey key, in FlowMask mask)
    {
        _mask = mask;
        _key = mask.Apply(in key);
    }

    /// <summary>The match that selects every packet.</summary>
    public static FlowMatch CatchAll { get; } = new(default, default);

    /// <summary>The values the masked bits must have (bits outside <see cref="Mask"/> are zero).</summary>
    public FlowKey Key => _key;

    /// <summary>Which bits matter.</summary>
    public FlowMask Mask => _mask;

    /// <summary>Read-only reference to the key, for callers that avoid the 80-byte copy.</summary>
    internal ref readonly FlowKey KeyRef => ref _key;

    /// <summary>Read-only reference to the mask.</summary>
    internal ref readonly FlowMask MaskRef => ref _mask;

    /// <summary>True when the packet's <paramref name="key"/> has the required value in every masked bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in FlowKey key)
    {
        ReadOnlySpan<ulong> k = FlowKey.AsWords(in key);
        ReadOnlySpan<ulong> m = FlowMask.AsWords(in _mask);
        ReadOnlySpan<ulong> v = FlowKey.AsWords(in _key);
        ulong diff = 0;
        for (int i = 0; i < k.Length; i++)
        {
            diff |= (k[i] & m[i]) ^ v[i];
        }
        return diff == 0;
    }

    /// <summary>
    /// True when every packet this match selects is also selected by <paramref name="filter"/> with room to spare
    /// on the filter's side: the filter's mask is contained in this mask and agrees on those bits. This is the
    /// "loose" selection of ovs-ofctl <c>mod-flows</c> / <c>del-flows</c> without <c>--strict</c>.
    /// </summary>
    public bool IsSelectedBy(FlowMatch filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return _mask.Covers(in filter._mask) && filter.Matches(in _key);
    }

    /// <summary>
    /// True when some packet could match both this and <paramref name="other"/>: wherever both masks care about a bit,
    /// the values agree (the overlap of OpenFlow 1.3.5 §6.4's CHECK_OVERLAP).
    /// </summary>
    public bool Overlaps(FlowMatch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        ReadOnlySpan<ulong> a = FlowKey.AsWords(in _key);
        ReadOnlySpan<ulong> b = FlowKey.AsWords(in other._key);
        ReadOnlySpan<ulong> ma = FlowMask.AsWords(in _mask);
        ReadOnlySpan<ulong> mb = FlowMask.AsWords(in other._mask);
        for (int i = 0; i < a.Length; i++)
        {
            if (((a[i] ^ b[i]) & ma[i] & mb[i]) != 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(FlowMatch? other) => other is not null && _key.Equals(other._key) && _mask.Equals(other._mask);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as FlowMatch);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_key.GetHashCode(), _mask.GetHashCode());
}
