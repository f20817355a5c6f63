namespace VSwitch.Ports.Tap;

/// <summary>
/// The tun driver's requests and flags (linux/if_tun.h), the part of the kernel interface only this port speaks; the
/// libc calls themselves, and the generic interface ioctls, are in VSwitch.Native.
/// </summary>
internal static class Tun
{
    /// <summary>_IOW('T', 202, int).</summary>
    public const uint TUNSETIFF = 0x400454ca;

    /// <summary>_IOR('T', 210, unsigned int).</summary>
    public const uint TUNGETIFF = 0x800454d2;

    /// <summary>_IOW('T', 208, unsigned int).</summary>
    public const uint TUNSETOFFLOAD = 0x400454d0;

    /// <summary>_IOW('T', 216, int).</summary>
    public const uint TUNSETVNETHDRSZ = 0x400454d8;

    /// <summary>_IOW('T', 212, int).</summary>
    public const uint TUNSETSNDBUF = 0x400454d4;

    /// <summary>_IO('T', 227); returns an fd of the device's network namespace.</summary>
    public const uint TUNGETDEVNETNS = 0x54e3;

    /// <summary>TUNSETOFFLOAD bit: the reader takes frames whose checksum is still to be computed (VIRTIO_NET_HDR_F_NEEDS_CSUM).</summary>
    public const uint TUN_F_CSUM = 0x01;

    /// <summary>TUNSETOFFLOAD bit: the reader takes TCP/IPv4 super-frames (VIRTIO_NET_HDR_GSO_TCPV4); needs TUN_F_CSUM.</summary>
    public const uint TUN_F_TSO4 = 0x02;

    /// <summary>TUNSETOFFLOAD bit: the reader takes TCP/IPv6 super-frames (VIRTIO_NET_HDR_GSO_TCPV6); needs TUN_F_CSUM.</summary>
    public const uint TUN_F_TSO6 = 0x04;

    /// <summary>TUNSETOFFLOAD bit: the reader takes super-frames with ECN set (VIRTIO_NET_HDR_GSO_ECN).</summary>
    public const uint TUN_F_TSO_ECN = 0x08;

    public const short IFF_TAP = 0x0002;
    public const short IFF_MULTI_QUEUE = 0x0100;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
}
