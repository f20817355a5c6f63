using VSwitch.Core.Ports;

namespace VSwitch.Virtio.Net;

/// <summary>
/// The checksum and segmentation offload features of a virtio-net device and what they mean for the switch: which
/// features the device offers, which dependencies between them a driver must respect (VIRTIO 1.2 §5.1.3.1), and which
/// <see cref="PortOffloads"/> each direction allows once negotiated. Pure functions of the feature bits.
/// </summary>
public static class VirtioNetOffloads
{
    /// <summary>
    /// The offload features a port offers unless its offloads are turned off: partial checksums and TCP segmentation
    /// (with ECN) in both directions. UFO and USO are not offered: the switch does not segment UDP.
    /// </summary>
    public const VirtioNetFeatures Offered =
        VirtioNetFeatures.Csum | VirtioNetFeatures.GuestCsum
        | VirtioNetFeatures.HostTso4 | VirtioNetFeatures.HostTso6 | VirtioNetFeatures.HostEcn
        | VirtioNetFeatures.GuestTso4 | VirtioNetFeatures.GuestTso6 | VirtioNetFeatures.GuestEcn;

    /// <summary>
    /// Checks the offload dependencies of VIRTIO 1.2 §5.1.3.1 in a driver's acked <paramref name="features"/> that would
    /// make the negotiated offloads contradict each other: GUEST_TSO4, GUEST_TSO6 and GUEST_UFO require GUEST_CSUM;
    /// HOST_TSO4, HOST_TSO6 and HOST_UFO require CSUM. Returns null when they hold, else the broken rule in words.
    /// Two rules of the same section are tolerated instead: GUEST_ECN without GUEST_TSO4/6 and HOST_ECN without
    /// HOST_TSO4/6. ECN only qualifies segmentation, so without it the bit means nothing (<see cref="FromDriver"/> and
    /// <see cref="ToDriver"/> ignore it), and QEMU 7.2 offers the ECN bits after <c>host_tso4=off,host_tso6=off</c> (it
    /// drops no feature whose requirement was turned off) while Linux acks every offered feature it knows: refusing
    /// would cut off a guest whose offloads were turned off on the command line. The control-queue dependencies are not
    /// checked either: over vhost-user the front-end owns the control queue and never passes CTRL_VQ to the back-end.
    /// </summary>
    public static string? CheckDependencies(ulong features)
    {
        var f = (VirtioNetFeatures)features;
        if ((f & (VirtioNetFeatures.GuestTso4 | VirtioNetFeatures.GuestTso6 | VirtioNetFeatures.GuestUfo)) != 0 && (f & VirtioNetFeatures.GuestCsum) == 0)
        {
            return "GUEST_TSO4, GUEST_TSO6 and GUEST_UFO require GUEST_CSUM (VIRTIO 1.2 §5.1.3.1)";
        }
        if ((f & (VirtioNetFeatures.HostTso4 | VirtioNetFeatures.HostTso6 | VirtioNetFeatures.HostUfo)) != 0 && (f & VirtioNetFeatures.Csum) == 0)
        {
            return "HOST_TSO4, HOST_TSO6 and HOST_UFO require CSUM (VIRTIO 1.2 §5.1.3.1)";
        }
        return null;
    }

    /// <summary>
    /// What the device accepts in the headers of the driver's transmit chains (guest to switch): a pending checksum with
    /// CSUM, TCP super-frames with HOST_TSO4/HOST_TSO6, ECN on them with HOST_ECN and one of those (VIRTIO 1.2 §5.1.6.2).
    /// </summary>
    public static PortOffloads FromDriver(ulong features)
    {
        var f = (VirtioNetFeatures)features;
        var accepted = PortOffloads.None;
        if ((f & VirtioNetFeatures.Csum) != 0)
        {
            accepted |= PortOffloads.Csum;
        }
        if ((f & VirtioNetFeatures.HostTso4) != 0)
        {
            accepted |= PortOffloads.Tso4;
        }
        if ((f & VirtioNetFeatures.HostTso6) != 0)
        {
            accepted |= PortOffloads.Tso6;
        }
        if ((f & VirtioNetFeatures.HostEcn) != 0 && (f & (VirtioNetFeatures.HostTso4 | VirtioNetFeatures.HostTso6)) != 0)
        {
            accepted |= PortOffloads.TsoEcn;
        }
        return accepted;
    }

    /// <summary>
    /// What the driver accepts in the headers of its receive buffers (switch to guest): a pending checksum with
    /// GUEST_CSUM, TCP super-frames with GUEST_TSO4/GUEST_TSO6, ECN on them with GUEST_ECN and one of those (VIRTIO 1.2 §5.1.6.4).
    /// </summary>
    public static PortOffloads ToDriver(ulong features)
    {
        var f = (VirtioNetFeatures)features;
        var accepted = PortOffloads.None;
        if ((f & VirtioNetFeatures.GuestCsum) != 0)
        {
            accepted |= PortOffloads.Csum;
        }
        if ((f & VirtioNetFeatures.GuestTso4) != 0)
        {
            accepted |= PortOffloads.Tso4;
        }
        if ((f & VirtioNetFeatures.GuestTso6) != 0)
        {
            accepted |= PortOffloads.Tso6;
        }
        if ((f & VirtioNetFeatures.GuestEcn) != 0 && (f & (VirtioNetFeatures.GuestTso4 | VirtioNetFeatures.GuestTso6)) != 0)
        {
            accepted |= PortOffloads.TsoEcn;
        }
        return accepted;
    }
}
