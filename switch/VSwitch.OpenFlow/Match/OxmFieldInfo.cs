namespace VSwitch.OpenFlow.Match;

/// <summary>
/// What OpenFlow 1.3.5 says about each basic field: its size on the wire, whether it takes a mask, which bits of
/// the value are meaningful, and whether set-field may write it (§7.2.3.7 table 12, §7.2.5). Immutable. The same for
/// the two NXM_1 tunnel address fields, as Open vSwitch defines them (<c>tun_src</c>/<c>tun_dst</c> in its
/// meta-flow field list: NXM_NX_TUN_IPV4_SRC(31) and NXM_NX_TUN_IPV4_DST(32), 4 bytes, bitwise maskable, no
/// prerequisites, read/write).
/// </summary>
public static class OxmFieldInfo
{
    /// <summary>Number of basic fields (0..39).</summary>
    public const int Count = 40;

    /// <summary>The OXM class of Nicira's second extension set (NXM_1), where Open vSwitch puts the tunnel addresses.</summary>
    public const ushort Nxm1Class = 0x0001;

    /// <summary>NXM_1 field number of NXM_NX_TUN_IPV4_SRC.</summary>
    public const int NxmTunIpv4Src = 31;

    /// <summary>NXM_1 field number of NXM_NX_TUN_IPV4_DST.</summary>
    public const int NxmTunIpv4Dst = 32;

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

    /// <summary>True for an <see cref="OxmField"/> number this assembly knows (a basic field or a tunnel address).</summary>
    public static bool IsKnown(int field) => (uint)field < Count || IsTunnelAddress((OxmField)field);

    /// <summary>True for the NXM_1 tunnel address fields.</summary>
    public static bool IsTunnelAddress(OxmField field) => field is OxmField.TunIpv4Src or OxmField.TunIpv4Dst;

    /// <summary>The OXM class the field has on the wire.</summary>
    public static ushort WireClass(OxmField field) => IsTunnelAddress(field) ? Nxm1Class : BasicClass;

    /// <summary>The 7-bit field number the field has on the wire, within <see cref="WireClass"/>.</summary>
    public static int WireField(OxmField field) => field switch
    {
        OxmField.TunIpv4Src => NxmTunIpv4Src,
        OxmField.TunIpv4Dst => NxmTunIpv4Dst,
        _ => (int)field,
    };

    /// <summary>
    /// The field a wire header's class and field number name; false for anything this switch does not know (other
    /// NXM fields, experimenter fields, basic fields past 39).
    /// </summary>
    public static bool TryFromWire(ushort oxmClass, int wireField, out OxmField field)
    {
        (bool known, field) = oxmClass switch
        {
            BasicClass when (uint)wireField < Count => (true, (OxmField)wireField),
            Nxm1Class when wireField == NxmTunIpv4Src => (true, OxmField.TunIpv4Src),
            Nxm1Class when wireField == NxmTunIpv4Dst => (true, OxmField.TunIpv4Dst),
            _ => (false, default),
        };
        return known;
    }

    /// <summary>Size of the field's value in bytes (the mask, when present, has the same size).</summary>
    public static int Size(OxmField field) => IsTunnelAddress(field) ? 4 : s_size[(int)field];

    /// <summary>True when the field may carry a mask.</summary>
    public static bool IsMaskable(OxmField field) => IsTunnelAddress(field) || s_maskable[(int)field];

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
    /// writable. The tunnel fields (TUNNEL_ID and the NXM_1 addresses) are: they set what a tunnel port sends.
    /// </summary>
    public static bool IsWritable(OxmField field) =>
        field is not (OxmField.InPort or OxmField.InPhyPort or OxmField.Metadata or OxmField.Ipv6Exthdr);

    /// <summary>A value of <paramref name="bytes"/> bytes with every bit set.</summary>
    public static UInt128 AllOnes(int bytes) => bytes >= 16 ? UInt128.MaxValue : (UInt128.One << (bytes * 8)) - 1;
}
