using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>
/// One split-ring descriptor as read from guest memory (VIRTIO 1.2 §2.7.5: le64 addr, le32 len, le16 flags,
/// le16 next; 16 bytes). A plain copy: changing it changes nothing in the guest.
/// </summary>
/// <param name="Address">Guest-physical address of the buffer.</param>
/// <param name="Length">Buffer length in bytes.</param>
/// <param name="Flags">Descriptor flags (<see cref="NextFlag"/>, <see cref="WriteFlag"/>, <see cref="IndirectFlag"/>).</param>
/// <param name="Next">Index of the next descriptor when <see cref="NextFlag"/> is set.</param>
public readonly record struct Descriptor(GuestAddress Address, uint Length, ushort Flags, ushort Next)
{
    /// <summary>Size of a descriptor in the table.</summary>
    public const int Size = 16;

    /// <summary>VIRTQ_DESC_F_NEXT: the chain continues at <see cref="Next"/>.</summary>
    public const ushort NextFlag = 1;

    /// <summary>VIRTQ_DESC_F_WRITE: the buffer is device-writable (otherwise device-readable).</summary>
    public const ushort WriteFlag = 2;

    /// <summary>VIRTQ_DESC_F_INDIRECT: the buffer holds a table of descriptors.</summary>
    public const ushort IndirectFlag = 4;

    /// <summary>True for a device-writable buffer.</summary>
    public bool IsWritable => (Flags & WriteFlag) != 0;

    /// <summary>True when the chain continues.</summary>
    public bool HasNext => (Flags & NextFlag) != 0;

    /// <summary>True when the buffer is an indirect descriptor table.</summary>
    public bool IsIndirect => (Flags & IndirectFlag) != 0;
}
