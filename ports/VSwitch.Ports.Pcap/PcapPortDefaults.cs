using VSwitch.Core.Packets;

namespace VSwitch.Ports.Pcap;

/// <summary>Sizes shared by the pcap ports. Constants only.</summary>
public static class PcapPortDefaults
{
    /// <summary>Capture length requested from libpcap on a live interface.</summary>
    public const int SnapLen = 65535;

    /// <summary>Buffers per receive pool.</summary>
    public const int PoolSize = 1024;

    /// <summary>
    /// Largest frame a pcap port carries: what a pool buffer holds with room for pushed VLAN tags. Longer captured or
    /// replayed frames are dropped as PacketTooLarge.
    /// </summary>
    public const int SlotSize = PacketPool.DefaultDataRoom + PacketPool.DefaultHeadroom;
}
