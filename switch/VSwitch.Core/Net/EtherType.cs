namespace VSwitch.Core.Net;

/// <summary>EtherType values the switch looks at.</summary>
public static class EtherType
{
    /// <summary>IPv4.</summary>
    public const ushort IPv4 = 0x0800;

    /// <summary>ARP.</summary>
    public const ushort Arp = 0x0806;

    /// <summary>Reverse ARP (sent by QEMU after migration).</summary>
    public const ushort Rarp = 0x8035;

    /// <summary>IEEE 802.1Q customer VLAN tag.</summary>
    public const ushort Vlan = 0x8100;

    /// <summary>IEEE 802.1ad service VLAN tag (outer tag of QinQ).</summary>
    public const ushort QinQ = 0x88a8;

    /// <summary>IPv6.</summary>
    public const ushort IPv6 = 0x86dd;

    /// <summary>Smallest value that is an EtherType rather than an 802.3 length.</summary>
    public const ushort MinEtherType = 0x0600;
}
