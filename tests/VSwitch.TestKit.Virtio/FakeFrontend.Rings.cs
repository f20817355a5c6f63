namespace VSwitch.TestKit.Virtio;

/// <summary>Rings: creating them in guest RAM and configuring them on the back-end.</summary>
public sealed partial class FakeFrontend
{
    private readonly SortedDictionary<uint, FakeFrontendRing> _rings = [];

    /// <summary>The ring with vring index <paramref name="index"/> (created before).</summary>
    public FakeFrontendRing Ring(uint index) => _rings[index];

    /// <summary>Lays out ring <paramref name="index"/> in guest RAM with <paramref name="size"/> descriptors and buffer slots.</summary>
    public FakeFrontendRing CreateRing(uint index, ushort size = 256, int slotSize = 2048)
    {
        var ring = new FakeFrontendRing(this, index, size, slotSize);
        _rings.Add(index, ring);
        return ring;
    }

    /// <summary>SET_VRING_ADDR for <paramref name="ring"/>'s layout.</summary>
    public void SetVringAddr(FakeFrontendRing ring, uint flags = 0, ulong log = 0) =>
        SetVringAddr(ring.Index, ring.DescUserAddress, ring.UsedUserAddress, ring.AvailUserAddress, flags, log);

    /// <summary>
    /// Configures and starts <paramref name="ring"/> as QEMU does: SET_VRING_NUM, SET_VRING_BASE, SET_VRING_ADDR,
    /// SET_VRING_KICK, SET_VRING_CALL. With <paramref name="polling"/> the kick carries the "no fd" flag.
    /// </summary>
    public void StartRing(FakeFrontendRing ring, uint vringBase = 0, bool polling = false)
    {
        SetVringNum(ring.Index, ring.Driver.QueueSize);
        SetVringBase(ring.Index, vringBase);
        SetVringAddr(ring);
        SetVringKick(ring.Index, polling ? -1 : ring.KickFd);
        SetVringCall(ring.Index, ring.CallFd);
    }
}
