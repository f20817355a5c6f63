using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// A hash of the inner frame's flow fields, from which the outer UDP source port is chosen (RFC 7348 §5: "a hash of
/// fields from the inner packet", so the underlay's ECMP and RSS keep a flow on one path and spread different flows).
/// Fields: both MAC addresses and the EtherType; for IPv4 and IPv6 (behind up to two VLAN tags) the addresses and the
/// protocol; for TCP, UDP and SCTP that are not a later fragment, the two ports. Every read is bounds-checked against
/// the frame, so any bytes are safe. Pure; any thread; no allocation. Cost: a handful of CRC32-C steps.
/// </summary>
public static class InnerFlowHash
{
    private const byte Tcp = 6;
    private const byte Udp = 17;
    private const byte Sctp = 132;

    /// <summary>The flow hash of <paramref name="frame"/> (0 for a frame shorter than an Ethernet header).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Compute(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            return 0;
        }
        uint h = BitOperations.Crc32C(0x5bd1e995u, BinaryPrimitives.ReadUInt64LittleEndian(frame));
        h = BitOperations.Crc32C(h, BinaryPrimitives.ReadUInt32LittleEndian(frame[8..]));
        int offset = 12;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        for (int tags = 0; tags < 2 && type is (0x8100 or 0x88a8) && frame.Length >= offset + 6; tags++)
        {
            offset += 4;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        }
        offset += 2;
        h = BitOperations.Crc32C(h, type);
        ReadOnlySpan<byte> l3 = frame[offset..];
        if (type == 0x0800)
        {
            h = HashIpv4(h, l3);
        }
        else if (type == 0x86dd)
        {
            h = HashIpv6(h, l3);
        }
        return h ^ (h >> 16);
    }

    private static uint HashIpv4(uint h, ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 20 || ip[0] >> 4 != 4)
        {
            return h;
        }
        int headerLength = (ip[0] & 0xf) * 4;
        byte protocol = ip[9];
        h = BitOperations.Crc32C(h, BinaryPrimitives.ReadUInt64LittleEndian(ip[12..]));
        h = BitOperations.Crc32C(h, protocol);
        bool laterFragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1fff) != 0;
        if (!laterFragment && headerLength >= 20 && ip.Length >= headerLength + 4 && protocol is Tcp or Udp or Sctp)
        {
            h = BitOperations.Crc32C(h, BinaryPrimitives.ReadUInt32LittleEndian(ip[headerLength..]));
        }
        return h;
    }

    private static uint HashIpv6(uint h, ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 40 || ip[0] >> 4 != 6)
        {
            return h;
        }
        byte next = ip[6];
        for (int i = 8; i < 40; i += 8)
        {
            h = BitOperations.Crc32C(h, BinaryPrimitives.ReadUInt64LittleEndian(ip[i..]));
        }
        h = BitOperations.Crc32C(h, next);
        // Ports only when they follow the fixed header directly; extension headers leave the hash at L3.
        if (ip.Length >= 44 && next is Tcp or Udp or Sctp)
        {
            h = BitOperations.Crc32C(h, BinaryPrimitives.ReadUInt32LittleEndian(ip[40..]));
        }
        return h;
    }
}
