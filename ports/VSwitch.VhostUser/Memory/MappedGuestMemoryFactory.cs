using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.VhostUser.Session;
using VSwitch.Virtio.Memory;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// Turns front-end memory descriptions and fds into mappings and a <see cref="GuestMemory"/> snapshot. Each region fd
/// is mapped as <c>mmap(NULL, mmap_offset + memory_size, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0)</c> and the region
/// starts <c>mmap_offset</c> bytes in (vhost-user spec, "Memory access"). The fds themselves are not kept: the caller
/// closes them after mapping. Unmapping is the caller's job and must wait for datapath quiescence. Session thread only.
/// </summary>
internal static class MappedGuestMemoryFactory
{
    /// <summary>
    /// Maps one region, registered with the guest memory guard under <paramref name="cookie"/> for
    /// <paramref name="flag"/>. Fails (null error means success) when the description is invalid, the fd does not hold
    /// <c>mmap_offset + memory_size</c> bytes, mmap fails or the guard cannot take the mapping; then
    /// <paramref name="problem"/> says which.
    /// </summary>
    public static VhostUserError? TryMap(in MemoryRegion region, int fd, GuestFaultFlag flag, int cookie, out MappedRegion? mapped, out string? problem)
    {
        mapped = null;
        if (!region.IsValid())
        {
            problem = "the region description is invalid";
            return VhostUserError.InvalidParameter;
        }
        Mapping? mapping = Mapping.TryMap(fd, region.MmapOffset + region.MemorySize, flag, cookie, out problem);
        if (mapping is null)
        {
            return VhostUserError.MapFailed;
        }
        mapped = new MappedRegion(region, mapping);
        return null;
    }

    /// <summary>
    /// Builds the snapshot over <paramref name="regions"/>. Fails with <see cref="VhostUserError.InvalidParameter"/>
    /// when regions overlap in guest-physical or front-end address space (the snapshot's own checks).
    /// </summary>
    public static VhostUserError? TryBuild(IReadOnlyList<MappedRegion> regions, out GuestMemory memory)
    {
        var guestRegions = new GuestRegion[regions.Count];
        for (int i = 0; i < guestRegions.Length; i++)
        {
            guestRegions[i] = regions[i].ToGuestRegion();
        }
        try
        {
            memory = new GuestMemory(guestRegions);
            return null;
        }
        catch (ArgumentException)
        {
            memory = GuestMemory.Empty;
            return VhostUserError.InvalidParameter;
        }
    }

    /// <summary>Unmaps every region of <paramref name="regions"/> (only after quiescence) and empties the list.</summary>
    public static void UnmapAll(List<MappedRegion> regions)
    {
        foreach (MappedRegion r in regions)
        {
            r.Mapping.Dispose();
        }
        regions.Clear();
    }
}
