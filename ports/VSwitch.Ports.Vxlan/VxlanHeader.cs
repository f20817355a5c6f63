using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The 8-byte VXLAN header (RFC 7348 §5): flags (8 bits, only I = 0x08 defined), 24 reserved bits, the 24-bit VXLAN
/// Network Identifier (VNI), 8 reserved bits; big-endian. Pure functions over spans; any thread, no allocation.
/// </summary>
public static class VxlanHeader
{
    /// <summary>Header length.</summary>
    public const int Size = 8;

    /// <summary>The I flag: "MUST be set to 1 for a valid VXLAN Network ID (VNI)" (RFC 7348 §5).</summary>
    public const byte FlagI = 0x08;

    /// <summary>IANA's UDP port for VXLAN (RFC 7348 §5).</summary>
    public const ushort DefaultPort = 4789;

    /// <summary>Largest VNI (24 bits).</summary>
    public const uint MaxVni = 0xffffff;

    /// <summary>
    /// Outer IPv4 (20) + UDP (8) + VXLAN (8) headers around an inner frame: an inner frame of N bytes leaves as an IPv4
    /// packet of N + 36 bytes, so a 1500-byte underlay carries frames up to 1464 bytes (an overlay MTU of 1450).
    /// </summary>
    public const int Ipv4Overhead = 20 + 8 + Size;

    /// <summary>What the overlay's MTU is short of the underlay's: the outer headers plus the inner Ethernet header (50).</summary>
    public const int MtuOverhead = Ipv4Overhead + 14;

    /// <summary>Writes a header carrying <paramref name="vni"/> (only its low 24 bits) into the first 8 bytes of <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(Span<byte> destination, uint vni)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)FlagI << 24);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (vni & MaxVni) << 8);
    }

    /// <summary>
    /// Checks the header at the start of <paramref name="datagram"/> (the UDP payload) and reads its VNI. The I flag
    /// must be set and every reserved bit clear: RFC 7348 §5 says receivers ignore the reserved bits, but Linux and
    /// OVS both drop such packets (a set bit means an extension, such as GBP or GPE, this port does not speak), and so
    /// does this port, so that a peer using an extension is noticed instead of misread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VxlanHeaderStatus Read(ReadOnlySpan<byte> datagram, out uint vni)
    {
        if (datagram.Length < Size)
        {
            vni = 0;
            return VxlanHeaderStatus.Short;
        }
        uint flags = BinaryPrimitives.ReadUInt32BigEndian(datagram);
        uint word = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        vni = word >> 8;
        return flags == (uint)FlagI << 24 && (word & 0xff) == 0 ? VxlanHeaderStatus.Ok : VxlanHeaderStatus.BadFlags;
    }
}
