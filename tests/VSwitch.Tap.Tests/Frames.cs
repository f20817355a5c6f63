using System.Buffers.Binary;
using System.Net;
using VSwitch.Core.Net;

namespace VSwitch.Tap.Tests;

/// <summary>Hand-built frames with valid IPv4 and ICMP checksums, so a real kernel answers them.</summary>
internal static class Frames
{
    public static readonly MacAddress OurMac = new(0x02_00_00_00_7a_01);

    /// <summary>An ICMP echo request from <paramref name="src"/> to <paramref name="dst"/> with <paramref name="payload"/> bytes of data.</summary>
    public static byte[] EchoRequest(MacAddress dstMac, string src, string dst, ushort id, ushort seq, int payload = 56)
    {
        var frame = new byte[14 + 20 + 8 + payload];
        dstMac.Write(frame.AsSpan(0, 6));
        OurMac.Write(frame.AsSpan(6, 6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        Span<byte> ip = frame.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], seq);
        ip[8] = 64;
        ip[9] = 1;
        IPAddress.Parse(src).TryWriteBytes(ip[12..], out _);
        IPAddress.Parse(dst).TryWriteBytes(ip[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
        Span<byte> icmp = frame.AsSpan(34);
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], seq);
        for (int i = 8; i < icmp.Length; i++)
        {
            icmp[i] = (byte)i;
        }
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
        return frame;
    }

    /// <summary>
    /// A UDP datagram from <paramref name="src"/> to <paramref name="dst"/> with <paramref name="payload"/> bytes of data,
    /// valid IPv4 checksum, and in the UDP checksum field only the pseudo-header sum, not inverted: what a sender leaves
    /// for the receiver to finish (CHECKSUM_PARTIAL, VIRTIO_NET_HDR_F_NEEDS_CSUM with csum_start 34, csum_offset 6). As a
    /// complete frame its checksum is wrong.
    /// </summary>
    public static byte[] UdpChecksumPending(MacAddress dstMac, string src, string dst, ushort srcPort, ushort dstPort, int payload)
    {
        var frame = new byte[14 + 20 + 8 + payload];
        dstMac.Write(frame.AsSpan(0, 6));
        OurMac.Write(frame.AsSpan(6, 6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        Span<byte> ip = frame.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload));
        ip[8] = 64;
        ip[9] = 17;
        IPAddress.Parse(src).TryWriteBytes(ip[12..], out _);
        IPAddress.Parse(dst).TryWriteBytes(ip[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
        Span<byte> udp = frame.AsSpan(34);
        BinaryPrimitives.WriteUInt16BigEndian(udp, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload));
        for (int i = 8; i < udp.Length; i++)
        {
            udp[i] = (byte)(i * 7);
        }
        // RFC 768 pseudo-header: source, destination, zero + protocol, UDP length; summed and folded, not inverted.
        uint sum = 17u + (uint)(8 + payload);
        for (int i = 12; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], (ushort)sum);
        return frame;
    }

    /// <summary>True when <paramref name="frame"/> is an ICMP echo reply to us.</summary>
    public static bool IsEchoReply(byte[] frame) =>
        frame.Length >= 42 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x0800 && frame[23] == 1 && frame[34] == 0
        && frame.AsSpan(0, 6).SequenceEqual(OurMacBytes);

    /// <summary>True when <paramref name="frame"/> is an ARP reply; gives the sender MAC.</summary>
    public static bool IsArpReply(ReadOnlySpan<byte> frame, out MacAddress sender)
    {
        bool ok = frame.Length >= 42 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x0806
            && BinaryPrimitives.ReadUInt16BigEndian(frame[20..]) == 2;
        sender = ok ? MacAddress.Read(frame[22..]) : default;
        return ok;
    }

    private static readonly byte[] OurMacBytes = [0x02, 0, 0, 0, 0x7a, 0x01];

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if ((data.Length & 1) != 0)
        {
            sum += (uint)data[^1] << 8;
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }
}
