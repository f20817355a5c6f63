namespace VSwitch.OpenFlow.Match;

/// <summary>
/// What OpenFlow 1.3.5 says about each basic field: its size on the wire, whether it takes a mask, which bits of
/// the value are meaningful, and whether set-field may write it (§7.2.3.7 table 12, §7.2.5). Immutable.
/// </summary>
public static class OxmFieldInfo
{
    /// <summary>Number of basic fields (0..39).</summary>
    public const int Count = 40;

    /// <summary>The OXM class of the basic fields.</summary>
    public const ushort BasicClass = 0x8000;

    /// <summary>The OXM class of experimenter fields.</summary>
    public const ushort ExperimenterClass = 0xffff;

    /// <summary>The "a VLAN tag is present" bit of <see cref="OxmField.VlanVid"/>.</summary>
    public const ushort VlanPresent = 0x1000;

    private static readonly byte[] s_size =
    [
        4, 4, 8, 6, 6, 2, 2, 1, 1, 1, 1, 4, 4, 2, 2, 2, 2, 2, 2, 1,
        1, 2, 4, 4, 6, 6, 16, 16, 4, 1, 1, 16, 6, 6, 4, 1, 1, 3, 8, 2,
    ];

    // Fields whose table entry says "Mask: Yes".
    private static readonly bool[] s_maskable =
    [
        false, false, true, true, true, false, true, false, false, false, false, true, true, false, false, false, false, false, false, false,
        false, false, true, true, true, true, true, true, true, false, false, false, false, false, false, false, false, true, true, true,
    ];

    /// <summary>True for a field number this assembly knows.</summary>
    public static bool IsKnown(int field) => (uint)field < Count;

    /// <summary>Size of the field's value in bytes (the mask, when present, has the same size).</summary>
    public static int Size(OxmField field) => s_size[(int)field];

    /// <summary>True when the field may carry a mask.</summary>
    public static bool IsMaskable(OxmField field) => s_maskable[(int)field];

    /// <summary>The bits a value may use: narrower than the byte size for VLAN, DSCP, ECN, labels and so on.</summary>
    public static UInt128 ValueBits(OxmField field) => field switch
    {
        OxmField.VlanVid => 0x1fff,
        OxmField.VlanPcp => 0x7,
        OxmField.IpDscp => 0x3f,
        OxmField.IpEcn => 0x3,
        OxmField.Ipv6Flabel => 0xfffff,
        OxmField.MplsLabel => 0xfffff,
        OxmField.MplsTc => 0x7,
        OxmField.MplsBos => 0x1,
        OxmField.Ipv6Exthdr => 0x1ff,
        _ => AllOnes(Size(field)),
    };

    /// <summary>
    /// True when a set-field action may write the field. OpenFlow 1.3.5 §7.2.5: set-field applies to header
    /// fields; the pipeline fields in_port, in_phy_port and metadata, and the ipv6_exthdr pseudo-field, are not
    /// writable.
    /// </summary>
    public static bool IsWritable(OxmField field) =>
        field is not (OxmField.InPort or OxmField.InPhyPort or OxmField.Metadata or OxmField.Ipv6Exthdr);

    /// <summary>A value of <paramref name="bytes"/> bytes with every bit set.</summary>
    public static UInt128 AllOnes(int bytes) => bytes >= 16 ? UInt128.MaxValue : (UInt128.One << (bytes * 8)) - 1;
}
