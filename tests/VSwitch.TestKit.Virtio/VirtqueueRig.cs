using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.TestKit.Virtio;

/// <summary>
/// One virtqueue ready to use in a test or benchmark: a <see cref="FakeGuestMemory"/> region, the driver's half
/// (<see cref="DriverSideQueue"/>) laid out in it, and a device-side <see cref="SplitQueue"/> configured with the same
/// layout and validated.
/// </summary>
public sealed class VirtqueueRig
{
    /// <summary>Guest-physical base of the fake region.</summary>
    public const ulong RegionBase = 0x100_0000;

    /// <summary>Creates the rig with a region of <paramref name="regionBytes"/> bytes.</summary>
    public VirtqueueRig(ushort queueSize = 256, int regionBytes = 4 << 20, bool eventIdx = false)
    {
        Fake = new FakeGuestMemory(RegionBase, regionBytes);
        Driver = new DriverSideQueue(Fake, queueSize, RegionBase, (ulong)regionBytes);
        Queue = new SplitQueue();
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
    public DriverSideQueue Driver { get; }

    /// <summary>The device's half.</summary>
    public SplitQueue Queue { get; }
}
