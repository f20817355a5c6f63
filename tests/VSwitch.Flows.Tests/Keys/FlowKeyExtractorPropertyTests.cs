using VSwitch.Core.Net;
using VSwitch.Flows.Keys;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Keys;

/// <summary>
/// Hostile input: random and truncated bytes never make the extractor throw, and the key depends only on the
/// bytes inside the span (each frame is an exact-length slice of a larger buffer whose tail is then changed).
/// </summary>
public sealed class FlowKeyExtractorPropertyTests
{
    private static readonly ushort[] s_types = [EtherType.IPv4, EtherType.IPv6, EtherType.Arp, EtherType.Vlan, EtherType.QinQ, 0x0030];

    public static TheoryData<int> Seeds => [1, 2, 3, 42, 1234, 99991];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_bytes_never_throw_and_bytes_beyond_the_span_are_ignored(int seed)
    {
        var rng = new Random(seed);
        byte[] buffer = new byte[256];
        for (int i = 0; i < 20_000; i++)
        {
            rng.NextBytes(buffer);
            MakePlausible(buffer, rng);
            int length = rng.Next(0, 200);
            bool ok = FlowKeyExtractor.TryExtract(buffer.AsSpan(0, length), 1, out FlowKey first);
            Assert.Equal(length >= 14, ok);
            rng.NextBytes(buffer.AsSpan(length));
            Assert.True(FlowKeyExtractor.TryExtract(buffer.AsSpan(0, length), 1, out FlowKey second) == ok);
            Assert.Equal(first, second);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_prefix_of_valid_frames_never_throws_and_only_loses_layers(int seed)
    {
        var rng = new Random(seed);
        foreach (byte[] frame in SampleFrames(rng))
        {
            Assert.True(FlowKeyExtractor.TryExtract(frame, 1, out FlowKey full));
            ushort fullLayers = (ushort)(full.Present & ~(ushort)FlowKeyLayers.Malformed);
            byte[] buffer = new byte[frame.Length + 64];
            for (int length = 0; length <= frame.Length; length++)
            {
                rng.NextBytes(buffer);
                frame.AsSpan(0, length).CopyTo(buffer);
                bool ok = FlowKeyExtractor.TryExtract(buffer.AsSpan(0, length), 1, out FlowKey cut);
                Assert.Equal(length >= 14, ok);
                Assert.Equal(0, cut.Present & ~fullLayers & ~(ushort)FlowKeyLayers.Malformed);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Flipped_bytes_in_valid_frames_never_throw(int seed)
    {
        var rng = new Random(seed);
        foreach (byte[] original in SampleFrames(rng))
        {
            for (int i = 0; i < 500; i++)
            {
                byte[] frame = (byte[])original.Clone();
                int flips = rng.Next(1, 4);
                for (int f = 0; f < flips; f++)
                {
                    frame[rng.Next(frame.Length)] = (byte)rng.Next(256);
                }
                int length = rng.Next(frame.Length + 1);
                _ = FlowKeyExtractor.TryExtract(frame.AsSpan(0, length), 1, out _);
            }
        }
    }

    /// <summary>Random bytes rarely form headers; give a share of them a known EtherType and IP version so deep paths run.</summary>
    private static void MakePlausible(byte[] b, Random rng)
    {
        if (rng.Next(4) == 0)
        {
            return;
        }
        ushort type = s_types[rng.Next(s_types.Length)];
        b[12] = (byte)(type >> 8);
        b[13] = (byte)type;
        int l3 = 14;
        if (type is EtherType.Vlan or EtherType.QinQ)
        {
            ushort inner = s_types[rng.Next(3)];
            b[16] = (byte)(inner >> 8);
            b[17] = (byte)inner;
            l3 = 18;
            type = inner;
        }
        if (type == EtherType.IPv4)
        {
            b[l3] = (byte)(0x40 | rng.Next(16));
            b[l3 + 2] = 0;
            b[l3 + 9] = (byte)(new[] { 1, 6, 17, 132 }[rng.Next(4)]);
        }
        else if (type == EtherType.IPv6)
        {
            b[l3] = 0x60;
            b[l3 + 4] = 0;
            b[l3 + 6] = (byte)(new[] { 0, 6, 17, 43, 44, 51, 58, 60 }[rng.Next(8)]);
        }
    }

    private static IEnumerable<byte[]> SampleFrames(Random rng)
    {
        ushort port = (ushort)rng.Next(1, 65535);
        yield return PacketFactory.Ipv4Tcp(srcPort: port, tcpFlags: (ushort)rng.Next(0x200));
        yield return PacketFactory.Ipv4Udp(dstPort: port);
        yield return PacketFactory.Ipv4Icmp((byte)rng.Next(256), (byte)rng.Next(256));
        yield return PacketFactory.Ipv4Sctp(port, 9);
        yield return PacketFactory.Ipv4Fragment(true, 0);
        yield return PacketFactory.Ipv6Tcp(dstPort: port);
        yield return PacketFactory.Ipv6Udp();
        yield return PacketFactory.Icmpv6();
        yield return PacketFactory.Arp();
        yield return PacketFactory.WithVlan(PacketFactory.WithVlan(PacketFactory.Ipv6Tcp(), 7), 9, tpid: EtherType.QinQ);
        yield return PacketFactory.WithIpv4Options(PacketFactory.Ipv4Udp(), [1, 1, 1, 0]);
    }
}
