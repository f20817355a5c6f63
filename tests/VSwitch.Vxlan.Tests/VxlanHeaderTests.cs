using VSwitch.Ports.Vxlan;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>The VXLAN header as RFC 7348 §5 lays it out, and what the receive check refuses.</summary>
public sealed class VxlanHeaderTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(42u)]
    [InlineData(0x123456u)]
    [InlineData(0xffffffu)]
    public void A_written_header_reads_back_with_its_vni(uint vni)
    {
        var header = new byte[8];
        VxlanHeader.Write(header, vni);
        Assert.Equal(VxlanHeaderStatus.Ok, VxlanHeader.Read(header, out uint read));
        Assert.Equal(vni, read);
    }

    [Fact]
    public void The_header_has_only_the_I_flag_and_the_vni_in_network_order()
    {
        var header = new byte[8];
        VxlanHeader.Write(header, 0x0a0b0c);
        Assert.Equal(new byte[] { 0x08, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0 }, header);
    }

    [Fact]
    public void Fewer_than_eight_bytes_are_short()
    {
        Assert.Equal(VxlanHeaderStatus.Short, VxlanHeader.Read(new byte[7], out _));
        Assert.Equal(VxlanHeaderStatus.Short, VxlanHeader.Read([], out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0, 0, 0, 0, 0, 42, 0 })]     // I clear
    [InlineData(new byte[] { 0x88, 0, 0, 0, 0, 0, 42, 0 })]     // a G (group policy) flag: an extension
    [InlineData(new byte[] { 0x0c, 0, 0, 0, 0, 0, 42, 0 })]     // a GPE-style flag
    [InlineData(new byte[] { 0x08, 0, 1, 0, 0, 0, 42, 0 })]     // reserved bits after the flags
    [InlineData(new byte[] { 0x08, 0, 0, 0, 0, 0, 42, 1 })]     // the reserved byte after the VNI
    public void A_clear_I_flag_or_any_reserved_bit_is_a_bad_header(byte[] header)
    {
        Assert.Equal(VxlanHeaderStatus.BadFlags, VxlanHeader.Read(header, out _));
    }

    [Fact]
    public void Overheads_are_those_of_ipv4_udp_and_vxlan()
    {
        Assert.Equal(36, VxlanHeader.Ipv4Overhead);
        Assert.Equal(1450, 1500 - VxlanHeader.MtuOverhead);
        Assert.Equal(1450, VxlanPort.DefaultMtu);
    }
}
