using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.TestKit.Virtio;

/// <summary>
/// One packed virtqueue ready to use in a test or benchmark: a <see cref="FakeGuestMemory"/> region, the driver's half
/// (<see cref="DriverSidePackedQueue"/>) laid out in it, and a device-side <see cref="PackedQueue"/> configured with the
/// same layout and validated (the packed counterpart of <see cref="VirtqueueRig"/>).
/// </summary>
public sealed class PackedQueueRig
{
    /// <summary>Guest-physical base of the fake region.</summary>
    public const ulong RegionBase = 0x100_0000;

    /// <summary>Creates the rig with a region of <paramref name="regionBytes"/> bytes.</summary>
    public PackedQueueRig(ushort queueSize = 256, int regionBytes = 4 << 20, bool eventIdx = false)
    {
        Fake = new FakeGuestMemory(RegionBase, regionBytes);
        Driver = new DriverSidePackedQueue(Fake, queueSize, RegionBase, (ulong)regionBytes);
        Queue = new PackedQueue();
        Driver.Configure(Queue, eventIdx);
        if (!Queue.TryValidate(Fake.Memory))
        {
            throw new InvalidOperationException("rig layout rejected");
        }
    }

    /// <summary>The fake guest RAM.</summary>
    public FakeGuestMemory Fake { get; }

    /// <summary>The snapshot passed to the device side.</summary>
    public GuestMemory Memory => Fake.Memory;

    /// <summary>The driver's half.</summary>
    public DriverSidePackedQueue Driver { get; }

    /// <summary>The device's half.</summary>
    public PackedQueue Queue { get; }
}
