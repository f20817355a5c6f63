namespace VSwitch.TestKit.Virtio;

/// <summary>One region of the fake guest's RAM: a memfd seen by the guest at <paramref name="GuestBase"/>.</summary>
/// <param name="Memory">The memfd and this process's mapping of it (its host address is the front-end "user address").</param>
/// <param name="GuestBase">Guest-physical address of the first byte.</param>
public sealed record FakeFrontendRegion(Memfd Memory, ulong GuestBase)
{
    /// <summary>The front-end user address of the first byte.</summary>
    public ulong UserAddress => (ulong)Memory.HostAddress;

    /// <summary>Size in bytes.</summary>
    public ulong Size => (ulong)Memory.Size;

    /// <summary>True when <c>[gpa, gpa + length)</c> lies in this region.</summary>
    public bool Contains(ulong gpa, ulong length) => gpa >= GuestBase && gpa - GuestBase <= Size && length <= Size - (gpa - GuestBase);
}
