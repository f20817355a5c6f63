using System.Text;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// Reads the negotiated virtio feature bits a guest prints (the '0'/'1' string of
/// <c>/sys/class/net/eth0/device/features</c>, bit 0 first) and names them for reports. Bit numbers are from
/// VIRTIO 1.2 §5.1.3 (network device) and §6 (reserved feature bits). Stateless.
/// </summary>
public static class GuestFeatures
{
    /// <summary>VIRTIO_NET_F_CSUM: the device takes packets with partial checksums.</summary>
    public const int Csum = 0;

    /// <summary>VIRTIO_NET_F_GUEST_CSUM: the driver takes packets with partial checksums.</summary>
    public const int GuestCsum = 1;

    /// <summary>VIRTIO_NET_F_MTU: the device reports a maximum MTU.</summary>
    public const int Mtu = 3;

    /// <summary>VIRTIO_NET_F_MAC: the device has a given MAC address.</summary>
    public const int Mac = 5;

    /// <summary>VIRTIO_NET_F_GUEST_TSO4: the driver takes TCPv4 segmentation offload.</summary>
    public const int GuestTso4 = 7;

    /// <summary>VIRTIO_NET_F_HOST_TSO4: the device takes TCPv4 segmentation offload.</summary>
    public const int HostTso4 = 11;

    /// <summary>VIRTIO_NET_F_MRG_RXBUF: the driver can merge receive buffers.</summary>
    public const int MrgRxbuf = 15;

    /// <summary>VIRTIO_NET_F_STATUS: the link status field is valid.</summary>
    public const int Status = 16;

    /// <summary>VIRTIO_NET_F_CTRL_VQ: a control virtqueue exists.</summary>
    public const int CtrlVq = 17;

    /// <summary>VIRTIO_NET_F_MQ: several receive/transmit queue pairs.</summary>
    public const int Mq = 22;

    /// <summary>VIRTIO_F_INDIRECT_DESC: indirect descriptor tables.</summary>
    public const int IndirectDesc = 28;

    /// <summary>VIRTIO_F_EVENT_IDX: used_event and avail_event notification suppression.</summary>
    public const int EventIdx = 29;

    /// <summary>VIRTIO_F_VERSION_1: a VIRTIO 1.x device, not legacy.</summary>
    public const int Version1 = 32;

    /// <summary>VIRTIO_F_RING_PACKED: packed virtqueues.</summary>
    public const int RingPacked = 34;

    private static readonly (int Bit, string Name)[] Names =
    [
        (Csum, "CSUM"), (GuestCsum, "GUEST_CSUM"), (2, "CTRL_GUEST_OFFLOADS"), (Mtu, "MTU"), (Mac, "MAC"),
        (GuestTso4, "GUEST_TSO4"), (8, "GUEST_TSO6"), (9, "GUEST_ECN"), (10, "GUEST_UFO"), (HostTso4, "HOST_TSO4"),
        (12, "HOST_TSO6"), (13, "HOST_ECN"), (14, "HOST_UFO"), (MrgRxbuf, "MRG_RXBUF"), (Status, "STATUS"),
        (CtrlVq, "CTRL_VQ"), (18, "CTRL_RX"), (19, "CTRL_VLAN"), (21, "GUEST_ANNOUNCE"), (Mq, "MQ"),
        (23, "CTRL_MAC_ADDR"), (IndirectDesc, "INDIRECT_DESC"), (EventIdx, "EVENT_IDX"), (Version1, "VERSION_1"),
        (33, "ACCESS_PLATFORM"), (RingPacked, "RING_PACKED"), (35, "IN_ORDER"), (36, "ORDER_PLATFORM"),
        (37, "SR_IOV"), (38, "NOTIFICATION_DATA"), (63, "SPEED_DUPLEX"),
    ];

    /// <summary>Parses the sysfs bit string (bit 0 first; at most 64 characters of '0' and '1').</summary>
    public static ulong Parse(string bits)
    {
        if (bits.Length > 64)
        {
            throw new FormatException($"more than 64 feature bits: '{bits}'");
        }
        ulong value = 0;
        for (int i = 0; i < bits.Length; i++)
        {
            value |= bits[i] switch
            {
                '0' => 0UL,
                '1' => 1UL << i,
                _ => throw new FormatException($"feature bits hold '{bits[i]}' at {i}: '{bits}'"),
            };
        }
        return value;
    }

    /// <summary>True when bit <paramref name="bit"/> is set.</summary>
    public static bool Has(ulong features, int bit) => (features & (1UL << bit)) != 0;

    /// <summary>The names of the set bits, e.g. <c>CSUM|MAC|VERSION_1|bit40</c>.</summary>
    public static string Describe(ulong features)
    {
        var text = new StringBuilder();
        for (int bit = 0; bit < 64; bit++)
        {
            if (!Has(features, bit))
            {
                continue;
            }
            if (text.Length > 0)
            {
                text.Append('|');
            }
            string? name = null;
            foreach (var (b, n) in Names)
            {
                if (b == bit)
                {
                    name = n;
                }
            }
            text.Append(name ?? "bit" + bit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
