namespace VSwitch.TestKit.Virtio;

/// <summary>Rings: creating them in guest RAM and configuring them on the back-end.</summary>
public sealed partial class FakeFrontend
{
    private readonly SortedDictionary<uint, FakeFrontendRing> _rings = [];

    /// <summary>The ring with vring index <paramref name="index"/> (created before).</summary>
    public FakeFrontendRing Ring(uint index) => _rings[index];

    /// <summary>Lays out ring <paramref name="index"/> in guest RAM with <paramref name="size"/> descriptors and buffer slots.</summary>
    public FakeFrontendRing CreateRing(uint index, ushort size = 256, int slotSize = 2048) => CreateRing(index, size, slotSize, PackedRings);

    /// <summary>Lays out ring <paramref name="index"/> as a split or a packed ring (VIRTIO 1.2 §2.8, any size up to 32768).</summary>
    public FakeFrontendRing CreateRing(uint index, ushort size, int slotSize, bool packed)
    {
        var ring = new FakeFrontendRing(this, index, size, slotSize, packed);
        _rings.Add(index, ring);
        return ring;
    }

    /// <summary>
    /// Rings created from now on without an explicit layout are packed (the front-end acks VIRTIO_F_RING_PACKED); the
    /// negotiations then ack the packed bit and start the rings at a fresh packed base.
    /// </summary>
    public bool PackedRings { get; set; }

    /// <summary>QEMU's SET_VRING_BASE for a fresh packed ring: slots 0, both wrap counters 1 (bits 15 and 31).</summary>
    public const uint FreshPackedBase = 0x8000_8000;

    /// <summary>SET_VRING_ADDR for <paramref name="ring"/>'s layout.</summary>
    public void SetVringAddr(FakeFrontendRing ring, uint flags = 0, ulong log = 0) =>
        SetVringAddr(ring.Index, ring.DescUserAddress, ring.UsedUserAddress, ring.AvailUserAddress, flags, log);

    /// <summary>
    /// Configures and starts <paramref name="ring"/> as QEMU does: SET_VRING_NUM, SET_VRING_BASE, SET_VRING_ADDR,
    /// SET_VRING_KICK, SET_VRING_CALL. With <paramref name="polling"/> the kick carries the "no fd" flag.
    /// </summary>
    public void StartRing(FakeFrontendRing ring, uint? vringBase = null, bool polling = false)
    {
        SetVringNum(ring.Index, ring.QueueSize);
        SetVringBase(ring.Index, vringBase ?? (ring.IsPacked ? FreshPackedBase : 0));
        SetVringAddr(ring);
        SetVringKick(ring.Index, polling ? -1 : ring.KickFd);
        SetVringCall(ring.Index, ring.CallFd);
    }
}
