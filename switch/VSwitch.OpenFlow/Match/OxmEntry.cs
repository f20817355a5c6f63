namespace VSwitch.OpenFlow.Match;

/// <summary>
/// One OXM TLV of the basic class: a field, its value and an optional mask. Values are held as unsigned numbers
/// in network order (the first wire byte most significant), so a MAC address is its 48-bit number and an IPv6
/// address its 128-bit number. A mask of all ones is stored as no mask. Immutable.
/// </summary>
/// <param name="Field">The field.</param>
/// <param name="Value">The value (only the bits of <see cref="OxmFieldInfo.ValueBits"/>).</param>
/// <param name="Mask">The mask; all ones when <paramref name="HasMask"/> is false.</param>
/// <param name="HasMask">True when the TLV carries a mask other than all ones.</param>
public readonly record struct OxmEntry(OxmField Field, UInt128 Value, UInt128 Mask, bool HasMask)
{
    /// <summary>An exact match of <paramref name="field"/> to <paramref name="value"/>.</summary>
    public static OxmEntry Exact(OxmField field, UInt128 value) =>
        new(field, value, OxmFieldInfo.AllOnes(OxmFieldInfo.Size(field)), false);

    /// <summary>
    /// A masked match. A mask that covers every bit of the field (all ones, or for example 0x1fff for VLAN_VID)
    /// gives an exact match, so that equal matches compare equal however they were written.
    /// </summary>
    public static OxmEntry Masked(OxmField field, UInt128 value, UInt128 mask)
    {
        UInt128 bits = OxmFieldInfo.ValueBits(field);
        return (mask & bits) == bits && (mask & ~OxmFieldInfo.AllOnes(OxmFieldInfo.Size(field))) == 0
            ? Exact(field, value)
            : new(field, value, mask, true);
    }

    /// <summary>Size of the TLV payload (value, plus mask when present) in bytes.</summary>
    public int PayloadLength => OxmFieldInfo.Size(Field) * (HasMask ? 2 : 1);

    /// <summary>Size of the whole TLV (4-byte header plus payload).</summary>
    public int WireLength => 4 + PayloadLength;

    /// <inheritdoc/>
    public override string ToString() => HasMask ? $"{Field}={Value:x}/{Mask:x}" : $"{Field}={Value:x}";
}
