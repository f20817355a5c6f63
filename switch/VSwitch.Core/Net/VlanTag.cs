namespace VSwitch.Core.Net;

/// <summary>An 802.1Q tag control information (TCI): PCP (3 bits), DEI (1 bit), VID (12 bits).</summary>
public readonly record struct VlanTag(ushort Tci)
{
    /// <summary>Length of a tag on the wire (TPID + TCI).</summary>
    public const int Size = 4;

    /// <summary>Largest valid VLAN ID.</summary>
    public const ushort MaxVid = 4095;

    /// <summary>The VLAN ID.</summary>
    public ushort Vid => (ushort)(Tci & 0x0fff);

    /// <summary>The priority code point.</summary>
    public byte Pcp => (byte)(Tci >> 13);

    /// <summary>Builds a TCI from VID and PCP.</summary>
    public static VlanTag From(ushort vid, byte pcp) => new((ushort)((pcp << 13) | (vid & 0x0fff)));
}
