using VSwitch.VhostUser.Interop;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Memory;

namespace VSwitch.VhostUser.Memory;

/// <summary>The dirty-page bitmap of live migration, mapped from SET_LOG_BASE's fd. Same lifetime rules as <see cref="MappedRegion"/>.</summary>
internal sealed class MappedLog : IDisposable
{
    private nint _base;

    private MappedLog(nint mapBase, nuint mapLength, DirtyLog log)
    {
        _base = mapBase;
        MapLength = mapLength;
        Log = log;
    }

    /// <summary>Bytes mapped.</summary>
    public nuint MapLength { get; }

    /// <summary>The bitmap writer.</summary>
    public DirtyLog Log { get; }

    /// <summary>Maps the log area; null if the mapping fails.</summary>
    public static MappedLog? TryMap(LogDescription description, int fd)
    {
        if (!description.IsValid())
        {
            return null;
        }
        ulong length = description.MmapOffset + description.MmapSize;
        nint p = Libc.mmap(0, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (p == Libc.MapFailed)
        {
            return null;
        }
        return new MappedLog(p, (nuint)length, new DirtyLog(p + (nint)description.MmapOffset, description.MmapSize));
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
