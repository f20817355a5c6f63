namespace VSwitch.Virtio.Queue;

/// <summary>
/// The ring positions of a packed virtqueue as plain data: what <c>GET_VRING_BASE</c> reports and
/// <c>SET_VRING_BASE</c> restores. On a packed ring a position is a slot index (below the queue size) and the wrap
/// counter that goes with it (VIRTIO 1.2 §2.8.1).
/// </summary>
/// <param name="NextAvail">Slot of the next descriptor the device will read.</param>
/// <param name="AvailWrap">The device's avail wrap counter: the value of AVAIL (and the opposite of USED) that marks a descriptor available.</param>
/// <param name="NextUsed">Slot of the next used descriptor the device will write.</param>
/// <param name="UsedWrap">The device's used wrap counter: the value written into AVAIL and USED of the next used descriptor.</param>
public readonly record struct PackedQueueState(ushort NextAvail, bool AvailWrap, ushort NextUsed, bool UsedWrap)
{
    /// <summary>A fresh ring (VIRTIO 1.2 §2.8.1: both wrap counters start at 1).</summary>
    public static PackedQueueState Initial => new(0, true, 0, true);

    /// <summary>
    /// The vhost-user encoding of <c>VHOST_USER_SET_VRING_BASE</c> / <c>GET_VRING_BASE</c> for packed rings: bits 0–14
    /// the next avail slot, bit 15 the avail wrap counter, bits 16–30 the next used slot, bit 31 the used wrap counter
    /// (the layout QEMU sends; the vhost-user specification names only the low 16 bits).
    /// </summary>
    public uint ToVhostBase() =>
        NextAvail | (AvailWrap ? 1u << 15 : 0) | ((uint)NextUsed << 16) | (UsedWrap ? 1u << 31 : 0);

    /// <summary>
    /// Decodes <see cref="ToVhostBase"/>. A front-end that sends only the low 16 bits (DPDK's virtio-user, older QEMU)
    /// means "used where avail is": when bits 16–31 are all zero, the used position is taken equal to the avail one.
    /// The slots are not checked against a queue size here.
    /// </summary>
    public static PackedQueueState FromVhostBase(uint value)
    {
        ushort avail = (ushort)(value & 0x7FFF);
        bool availWrap = (value & (1u << 15)) != 0;
        if ((value >> 16) == 0)
        {
            return new PackedQueueState(avail, availWrap, avail, availWrap);
        }
        return new PackedQueueState(avail, availWrap, (ushort)((value >> 16) & 0x7FFF), (value & (1u << 31)) != 0);
    }
}
