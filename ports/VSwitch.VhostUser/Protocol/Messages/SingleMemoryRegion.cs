using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Protocol.Messages;

/// <summary>ADD_MEM_REG / REM_MEM_REG payload: 8 bytes of padding, then one region description.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct SingleMemoryRegion(ulong Padding, MemoryRegion Region)
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 40;

    /// <summary>The region itself is valid (padding is ignored).</summary>
    public bool IsValid() => Region.IsValid();
}
