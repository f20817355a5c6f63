using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Protocol.Messages;

/// <summary>SET_LOG_BASE payload ("a log description"): size of the log area and its offset in the passed fd.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct LogPayload(ulong MmapSize, ulong MmapOffset)
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 16;

    /// <summary>Non-empty, bounded (1 TiB of bitmap covers 32 PiB of guest memory), no wrap.</summary>
    public bool IsValid() => MmapSize != 0 && MmapSize <= (1UL << 40) && MmapOffset + MmapSize > MmapOffset;
}
