using System.Buffers.Binary;

namespace VSwitch.Core.Net;

/// <summary>
/// The reverse-ARP announcement a hypervisor sends for a guest that moved (RFC 903 framing): a broadcast from the
/// guest's MAC, so every switch on the way learns the MAC on the new path. Used on VHOST_USER_SEND_RARP for a guest
/// that cannot announce itself (no VIRTIO_NET_F_GUEST_ANNOUNCE), as DPDK's vhost library and QEMU's own
/// self-announcement do. Layout (<see cref="Length"/> bytes): destination ff:ff:ff:ff:ff:ff, source MAC, EtherType
/// 0x8035; then hardware type 1 (Ethernet), protocol 0x0800 (IPv4), address lengths 6 and 4, operation 3 (reverse
/// request), sender MAC, sender IPv4 0.0.0.0, target MAC, target IPv4 0.0.0.0; then zero padding.
/// Pure functions; no allocation.
/// </summary>
public static class RarpFrame
{
    /// <summary>
    /// Frame length without FCS: the Ethernet minimum (60), as QEMU's announcement; the 42 bytes of headers are
    /// followed by zeros.
    /// </summary>
    public const int Length = 60;

    /// <summary>ARP hardware type of Ethernet (RFC 826).</summary>
    public const ushort HardwareEthernet = 1;

    /// <summary>RARP operation "reverse request" (RFC 903).</summary>
    public const ushort OperationReverseRequest = 3;

    /// <summary>
    /// Writes the announcement of <paramref name="mac"/> into the first <see cref="Length"/> bytes of
    /// <paramref name="frame"/> (which must hold them).
    /// </summary>
    public static void Write(Span<byte> frame, MacAddress mac)
    {
        frame = frame[..Length];
        frame.Clear();
        MacAddress.Broadcast.Write(frame);
        mac.Write(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherType.Rarp);
        BinaryPrimitives.WriteUInt16BigEndian(frame[14..], HardwareEthernet);
        BinaryPrimitives.WriteUInt16BigEndian(frame[16..], EtherType.IPv4);
        frame[18] = MacAddress.Size;
        frame[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(frame[20..], OperationReverseRequest);
        mac.Write(frame[22..]);
        // Sender IPv4 (28..31) stays 0.0.0.0: the guest's address is what RARP would ask for.
        mac.Write(frame[32..]);
        // Target IPv4 (38..41) stays 0.0.0.0, and the padding up to 60 bytes stays zero.
    }
}
