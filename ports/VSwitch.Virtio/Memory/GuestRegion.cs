namespace VSwitch.Virtio.Memory;

/// <summary>
/// One mapped region of guest memory: the guest-physical range it covers, the frontend's user virtual
/// address of the same bytes (vhost-user <c>userspace_addr</c>), and where we mapped it. Who maps and
/// unmaps the bytes is not this type's business; <see cref="GuestMemory"/> only checks ranges against it.
/// </summary>
/// <param name="GuestBase">Guest-physical address of the first byte.</param>
/// <param name="Size">Length in bytes (non-zero).</param>
/// <param name="UserAddress">The frontend's virtual address of the first byte.</param>
/// <param name="HostAddress">Our pointer to the first byte.</param>
public readonly record struct GuestRegion(ulong GuestBase, ulong Size, ulong UserAddress, nint HostAddress);
