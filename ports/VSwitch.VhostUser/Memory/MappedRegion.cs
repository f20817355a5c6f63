using VSwitch.VhostUser.Interop;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Memory;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// One guest memory region mapped from the fd the front-end passed: <c>mmap(fd, mmap_offset + memory_size)</c>,
/// guest bytes starting at <c>base + mmap_offset</c>. Owned by the session; unmapped only after every datapath
/// thread has let go of the <see cref="GuestMemory"/> snapshots that point into it.
/// </summary>
internal sealed class MappedRegion : IDisposable
{
    private nint _base;

    private MappedRegion(MemoryRegion description, nint mapBase, nuint mapLength)
    {
        Description = description;
        _base = mapBase;
        MapLength = mapLength;
    }

    /// <summary>What the front-end said about the region.</summary>
    public MemoryRegion Description { get; }

    /// <summary>Bytes mapped (offset included).</summary>
    public nuint MapLength { get; }

    /// <summary>The region as the virtio layer sees it.</summary>
    public GuestRegion ToGuestRegion() =>
        new(Description.GuestPhysAddr, Description.MemorySize, Description.UserspaceAddr, _base + (nint)Description.MmapOffset);

    /// <summary>Maps <paramref name="fd"/> (which the caller still owns and closes). Null if the mapping fails.</summary>
    public static MappedRegion? TryMap(MemoryRegion description, int fd)
    {
        ulong length = description.MmapOffset + description.MemorySize;
        if (!description.IsValid() || length > nuint.MaxValue || length > long.MaxValue)
        {
            return null;
        }
        nint p = Libc.mmap(0, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        return p == Libc.MapFailed ? null : new MappedRegion(description, p, (nuint)length);
    }

    public void Dispose()
    {
        nint p = Interlocked.Exchange(ref _base, 0);
        if (p != 0)
        {
            _ = Libc.munmap(p, MapLength);
        }
    }
}
