using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Protocol.Messages;

/// <summary>
/// "A vring address description": ring index, flags, then the front-end's user addresses of the descriptor table,
/// used ring and available ring (in that order), and the guest-physical address for logging used-ring writes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct VringAddr(uint Index, uint Flags, ulong DescUserAddr, ulong UsedUserAddr, ulong AvailUserAddr, ulong LogGuestAddr)
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 40;

    /// <summary>Flag: log used-ring writes at <see cref="LogGuestAddr"/>.</summary>
    public const uint LogFlag = 0x1;

    /// <summary>No unknown flag and no address that could not be a ring (zero).</summary>
    public bool IsValid() => (Flags & ~LogFlag) == 0 && DescUserAddr != 0 && UsedUserAddr != 0 && AvailUserAddr != 0;
}
