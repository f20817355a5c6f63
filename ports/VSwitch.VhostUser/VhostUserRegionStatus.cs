namespace VSwitch.VhostUser;

/// <summary>One guest memory region in <see cref="VhostUserPortStatus"/>.</summary>
/// <param name="Index">Position in the port's memory table.</param>
/// <param name="GuestAddress">Guest-physical address of the region's start.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Backing">"memfd", "memfd on hugetlbfs", "hugetlbfs file", "tmpfs file" or "file".</param>
/// <param name="ShrinkSealed">
/// The file carries F_SEAL_SHRINK (QEMU's memory-backend-memfd default), so the front-end cannot shrink it under the
/// switch. Other files can, and then the port fails alone (the guest memory guard contains the fault).
/// </param>
public sealed record VhostUserRegionStatus(int Index, ulong GuestAddress, ulong Size, string Backing, bool ShrinkSealed);
