using VSwitch.Core.Net;
using VSwitch.TestKit;

namespace VSwitch.Datapath.Tests;

/// <summary>Frame shorthands for the datapath tests (built with the shared <see cref="PacketFactory"/>).</summary>
internal static class Frames
{
    /// <summary>A 60-byte IPv4/UDP frame from host <paramref name="src"/> to <paramref name="dst"/> (see <see cref="TestSwitch.MacOf"/>).</summary>
    public static byte[] Udp(int src, int dst, ushort srcPort = 5000, int payload = 18) =>
        PacketFactory.Ipv4Udp(srcPort: srcPort, payloadLength: payload, ethSrc: TestSwitch.MacOf(src), ethDst: TestSwitch.MacOf(dst));

    /// <summary>A broadcast frame from host <paramref name="src"/>.</summary>
    public static byte[] Broadcast(int src) =>
        PacketFactory.Ipv4Udp(payloadLength: 18, ethSrc: TestSwitch.MacOf(src), ethDst: MacAddress.Broadcast);

    /// <summary><paramref name="frame"/> with an 802.1Q tag.</summary>
    public static byte[] Tagged(byte[] frame, ushort vid, byte pcp = 0) => PacketFactory.WithVlan(frame, vid, pcp);

    /// <summary>The TCI of the frame's outer 802.1Q tag, or -1 when untagged.</summary>
    public static int Tci(byte[] frame) =>
        frame.Length >= 18 && frame[12] == 0x81 && frame[13] == 0x00 ? (frame[14] << 8) | frame[15] : -1;

    /// <summary>The frame with its outer 802.1Q tag removed (a copy; untagged frames are returned as copies).</summary>
    public static byte[] Untag(byte[] frame) => Tci(frame) < 0 ? (byte[])frame.Clone() : [.. frame[..12], .. frame[16..]];
}
