using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Pcap.Tests;

/// <summary>Capture filters: tcpdump syntax compiled by libpcap and run on frames in memory.</summary>
public sealed class BpfFilterTests
{
    public BpfFilterTests() => Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);

    [Fact]
    public void A_compiled_filter_accepts_the_frames_it_names_and_no_others()
    {
        Assert.True(BpfFilter.TryCompile("tcp dst port 80", 65535, out BpfFilter? filter, out string error), error);
        using (filter)
        {
            byte[] web = PacketFactory.Ipv4Tcp(dstPort: 80);
            Assert.True(filter!.Matches(web, web.Length));
            Assert.False(filter.Matches(PacketFactory.Ipv4Tcp(dstPort: 443), web.Length));
            Assert.False(filter.Matches(PacketFactory.Arp(), 60));
            Assert.False(filter.Matches([], 0));
        }
    }

    [Fact]
    public void The_filter_sees_only_the_captured_bytes()
    {
        Assert.True(BpfFilter.TryCompile("tcp dst port 80", 65535, out BpfFilter? filter, out string error), error);
        using (filter)
        {
            byte[] web = PacketFactory.Ipv4Tcp(dstPort: 80);
            // Cut before the TCP ports: the filter cannot see them, so it does not match (caplen, not len, bounds it).
            Assert.False(filter!.Matches(web.AsSpan(0, 14 + 20), web.Length));
        }
    }

    [Fact]
    public void A_syntax_error_comes_back_as_libpcaps_message()
    {
        Assert.False(BpfFilter.TryCompile("tcp port eighty", 65535, out BpfFilter? filter, out string error));
        Assert.Null(filter);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
