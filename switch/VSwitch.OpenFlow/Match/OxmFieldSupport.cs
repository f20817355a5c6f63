namespace VSwitch.OpenFlow.Match;

/// <summary>A field a table can match or set, as table features list it (an OXM header without payload).</summary>
/// <param name="Field">The field.</param>
/// <param name="Maskable">True when the table takes a mask for it (the header's has-mask bit).</param>
public readonly record struct OxmFieldSupport(OxmField Field, bool Maskable);
