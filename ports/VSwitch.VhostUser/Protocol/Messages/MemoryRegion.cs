using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Protocol.Messages;

/// <summary>"A memory region description": guest-physical address, size, front-end user address, offset into the fd.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct MemoryRegion(ulong GuestPhysAddr, ulong MemorySize, ulong UserspaceAddr, ulong MmapOffset)
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 32;

    /// <summary>Non-empty, and no range wraps the 64-bit space.</summary>
    public bool IsValid() =>
        MemorySize != 0
        && GuestPhysAddr + MemorySize > GuestPhysAddr
        && UserspaceAddr + MemorySize > UserspaceAddr
        && MmapOffset + MemorySize > MmapOffset;
}
