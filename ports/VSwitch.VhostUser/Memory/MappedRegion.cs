using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Memory;

namespace VSwitch.VhostUser.Memory;

/// <summary>A guest memory region as the front-end described it, with the mapping that backs it. Session thread only.</summary>
/// <param name="Description">The region from SET_MEM_TABLE or ADD_MEM_REG.</param>
/// <param name="Mapping">The fd mapped from offset 0; the region starts at <c>mmap_offset</c> inside it.</param>
internal sealed record MappedRegion(MemoryRegion Description, Mapping Mapping)
{
    /// <summary>The region as the Virtio layer sees it: guest base, size, front-end address, host address.</summary>
    public GuestRegion ToGuestRegion() => new(
        Description.GuestPhysAddr, Description.MemorySize, Description.UserspaceAddr, Mapping.Base + (nint)Description.MmapOffset);
}
