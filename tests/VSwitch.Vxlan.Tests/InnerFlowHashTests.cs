using VSwitch.Ports.Vxlan;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>The inner flow hash that picks a packet's outer source port.</summary>
public sealed class InnerFlowHashTests
{
    [Fact]
    public void The_same_flow_always_hashes_the_same_and_the_payload_does_not_matter()
    {
        byte[] a = PacketFactory.Ipv4Tcp(srcPort: 40000, dstPort: 80, payloadLength: 10);
        byte[] b = PacketFactory.Ipv4Tcp(srcPort: 40000, dstPort: 80, payloadLength: 900);
        Assert.Equal(InnerFlowHash.Compute(a), InnerFlowHash.Compute(b));
    }

    [Fact]
    public void Flows_that_differ_in_one_port_hash_apart()
    {
        var hashes = new HashSet<uint>();
        for (ushort port = 1000; port < 2000; port++)
        {
            hashes.Add(InnerFlowHash.Compute(PacketFactory.Ipv4Udp(srcPort: port)));
        }
        Assert.True(hashes.Count >= 995, $"{hashes.Count} distinct hashes of 1000 flows");
    }

    [Fact]
    public void Addresses_and_ipv6_ports_count_too()
    {
        Assert.NotEqual(InnerFlowHash.Compute(PacketFactory.Ipv4Udp(src: "10.0.0.1")), InnerFlowHash.Compute(PacketFactory.Ipv4Udp(src: "10.0.0.3")));
        Assert.NotEqual(InnerFlowHash.Compute(PacketFactory.Ipv6Tcp(srcPort: 1)), InnerFlowHash.Compute(PacketFactory.Ipv6Tcp(srcPort: 2)));
    }

    [Fact]
    public void A_tagged_frame_is_hashed_on_its_inner_ip_ports()
    {
        byte[] one = PacketFactory.WithVlan(PacketFactory.Ipv4Udp(srcPort: 1), 10);
        byte[] two = PacketFactory.WithVlan(PacketFactory.Ipv4Udp(srcPort: 2), 10);
        Assert.NotEqual(InnerFlowHash.Compute(one), InnerFlowHash.Compute(two));
    }

    [Fact]
    public void A_later_fragment_is_hashed_without_the_bytes_where_ports_would_be()
    {
        byte[] one = PacketFactory.Ipv4Fragment(moreFragments: true, offsetUnits: 10, payloadLength: 16);
        byte[] two = (byte[])one.Clone();
        two[34] ^= 0xff;
        two[36] ^= 0xff;
        Assert.Equal(InnerFlowHash.Compute(one), InnerFlowHash.Compute(two));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Any_bytes_of_any_length_hash_without_throwing(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 20_000; i++)
        {
            var frame = new byte[random.Next(0, 120)];
            random.NextBytes(frame);
            if (frame.Length > 13 && random.Next(2) == 0)
            {
                frame[12] = random.Next(3) switch { 0 => (byte)0x81, 1 => (byte)0x86, _ => (byte)0x08 };
                frame[13] = frame[12] == 0x86 ? (byte)0xdd : (byte)0;
            }
            _ = InnerFlowHash.Compute(frame);
        }
        Assert.Equal(0u, InnerFlowHash.Compute(new byte[13]));
    }
}
