namespace VSwitch.Virtio.Memory;

/// <summary>A guest-physical address, as the driver writes it into descriptors and ring addresses.</summary>
/// <param name="Value">The 64-bit guest-physical address.</param>
public readonly record struct GuestAddress(ulong Value);
