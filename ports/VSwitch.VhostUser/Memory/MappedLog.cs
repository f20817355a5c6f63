using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Memory;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// The dirty-page bitmap of live migration (SET_LOG_BASE): the front-end's fd mapped shared, and the
/// <see cref="DirtyLog"/> over <c>[mmap_offset, mmap_offset + mmap_size)</c> of it. Session thread owns it; datapath
/// threads use <see cref="Log"/> through ring snapshots until the session has quiesced every ring and disposes it.
/// </summary>
internal sealed class MappedLog : IDisposable
{
    private readonly Mapping _mapping;

    private MappedLog(Mapping mapping, DirtyLog log)
    {
        _mapping = mapping;
        Log = log;
    }

    /// <summary>The bitmap writer handed to the datapath.</summary>
    public DirtyLog Log { get; }

    /// <summary>The mapping (for its cookie and backing).</summary>
    public Mapping Mapping => _mapping;

    /// <summary>
    /// Maps the log described by <paramref name="payload"/> from <paramref name="fd"/>, registered with the guest
    /// memory guard like a region; null with <paramref name="problem"/> set when invalid or unmappable.
    /// </summary>
    public static MappedLog? TryMap(in LogPayload payload, int fd, GuestFaultFlag flag, int cookie, out string? problem)
    {
        if (!payload.IsValid())
        {
            problem = "the log description is invalid";
            return null;
        }
        Mapping? mapping = Mapping.TryMap(fd, payload.MmapOffset + payload.MmapSize, flag, cookie, out problem);
        if (mapping is null)
        {
            return null;
        }
        return new MappedLog(mapping, new DirtyLog(mapping.Base + (nint)payload.MmapOffset, payload.MmapSize));
    }

    /// <summary>Unmaps the bitmap (after quiescence).</summary>
    public void Dispose() => _mapping.Dispose();
}
