using System.Diagnostics.CodeAnalysis;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Match;

/// <summary>
/// An OXM match (<c>struct ofp_match</c> of type OFPMT_OXM): a list of field TLVs, each field at most once, every
/// prerequisite present before the field that needs it, every value inside its field's bits and its mask
/// (OpenFlow 1.3.5 §7.2.3). An instance is always valid: the decoder and <see cref="TryCreate"/> are the only
/// ways in. Immutable and thread-safe.
/// </summary>
public sealed class OfpMatch : IEquatable<OfpMatch>
{
    private readonly OxmEntry[] _entries;
    private readonly ulong _present;

    private OfpMatch(OxmEntry[] entries)
    {
        _entries = entries;
        foreach (OxmEntry e in entries)
        {
            _present |= 1UL << (int)e.Field;
        }
    }

    /// <summary>The empty match: every packet.</summary>
    public static OfpMatch Any { get; } = new([]);

    /// <summary>The TLVs in wire order.</summary>
    public IReadOnlyList<OxmEntry> Entries => _entries;

    /// <summary>Bytes of the TLVs (the <c>length</c> field is 4 more; the padded size is <see cref="PaddedLength"/>).</summary>
    public int OxmLength
    {
        get
        {
            int n = 0;
            foreach (OxmEntry e in _entries)
            {
                n += e.WireLength;
            }
            return n;
        }
    }

    /// <summary>Size on the wire: 4-byte header, TLVs, padding to a multiple of 8.</summary>
    public int PaddedLength => (4 + OxmLength + 7) & ~7;

    /// <summary>True when <paramref name="field"/> is in the match.</summary>
    public bool Contains(OxmField field) => (_present & (1UL << (int)field)) != 0;

    /// <summary>Finds the TLV of <paramref name="field"/>.</summary>
    public bool TryGet(OxmField field, out OxmEntry entry)
    {
        if (Contains(field))
        {
            foreach (OxmEntry e in _entries)
            {
                if (e.Field == field)
                {
                    entry = e;
                    return true;
                }
            }
        }
        entry = default;
        return false;
    }

    /// <summary>
    /// Builds a match from entries in order, applying every rule the decoder applies; on failure
    /// <paramref name="error"/> is the BAD_MATCH code a switch would answer.
    /// </summary>
    public static bool TryCreate(IEnumerable<OxmEntry> entries, [NotNullWhen(true)] out OfpMatch? match, out OfpError error)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = new List<OxmEntry>();
        var rules = new OxmRules();
        foreach (OxmEntry e in entries)
        {
            if (!rules.TryAdd(e, out error))
            {
                match = null;
                return false;
            }
            list.Add(e);
        }
        match = list.Count == 0 ? Any : new OfpMatch([.. list]);
        error = default;
        return true;
    }

    /// <summary>Builds a match or throws; for matches the switch itself makes (packet-in, flow stats).</summary>
    /// <exception cref="ArgumentException">The entries break a rule of §7.2.3.</exception>
    public static OfpMatch Create(params OxmEntry[] entries) =>
        TryCreate(entries, out OfpMatch? m, out OfpError error) ? m : throw new ArgumentException($"invalid match: {error}", nameof(entries));

    internal static OfpMatch FromValidated(List<OxmEntry> entries) => entries.Count == 0 ? Any : new OfpMatch([.. entries]);

    /// <summary>Same fields with the same values and masks, in any order.</summary>
    public bool Equals(OfpMatch? other)
    {
        if (other is null || other._present != _present || other._entries.Length != _entries.Length)
        {
            return false;
        }
        foreach (OxmEntry e in _entries)
        {
            if (!other.TryGet(e.Field, out OxmEntry o) || o != e)
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as OfpMatch);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(_present);
        foreach (OxmEntry e in _entries)
        {
            h.Add(e.Value ^ e.Mask);
        }
        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => _entries.Length == 0 ? "any" : string.Join(",", _entries);
}
