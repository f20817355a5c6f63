using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Tap;

using Xunit;

namespace VSwitch.Tap.Tests;

/// <summary>
/// How a tap names a refused vnet header, and which super-frames it writes as they are. The header codec itself
/// (VnetHeader) is tested with the core; these pin the tap's own choices.
/// </summary>
public sealed class TapVnetHeaderTests
{
    [Theory]
    // NEEDS_CSUM at csum_start 34 / offset 16 (TCP over IPv4): valid, only not enabled on a port with offloads off.
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 34, 0, 16, 0, 0, 0 }, 100, DropReason.RxOffloadUnexpected)]
    // A TCPv4 super-frame with MSS 1460: likewise.
    [InlineData(new byte[] { 1, 1, 54, 0, 0xb4, 0x05, 34, 0, 16, 0, 0, 0 }, 3000, DropReason.RxOffloadUnexpected)]
    // A TCPv6 super-frame with ECN.
    [InlineData(new byte[] { 1, 0x84, 74, 0, 0xa0, 0x05, 54, 0, 16, 0, 0, 0 }, 3000, DropReason.RxOffloadUnexpected)]
    // The checksum field would lie beyond the 100-byte frame.
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 90, 0, 16, 0, 0, 0 }, 100, DropReason.OffloadHeaderInvalid)]
    // Segmentation without a pending checksum.
    [InlineData(new byte[] { 0, 1, 54, 0, 0xb4, 0x05, 0, 0, 0, 0, 0, 0 }, 3000, DropReason.OffloadHeaderInvalid)]
    // gso_size 0.
    [InlineData(new byte[] { 1, 1, 54, 0, 0, 0, 34, 0, 16, 0, 0, 0 }, 3000, DropReason.OffloadHeaderInvalid)]
    // UDP fragmentation (gso_type 3) and an unknown flag: never enabled by this port.
    [InlineData(new byte[] { 1, 3, 42, 0, 0xb4, 0x05, 34, 0, 6, 0, 0, 0 }, 3000, DropReason.OffloadHeaderInvalid)]
    [InlineData(new byte[] { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 100, DropReason.OffloadHeaderInvalid)]
    public unsafe void A_refused_header_is_unexpected_when_valid_and_invalid_otherwise(byte[] header, int frameLength, DropReason reason)
    {
        byte[] bytes = header;
        fixed (byte* h = bytes)
        {
            Assert.Equal(reason, TapPort.HeaderDropReason(h, frameLength));
        }
    }

    [Theory]
    [InlineData(GsoType.TcpV4, false, TapPort.EnabledOffloads, true)]
    [InlineData(GsoType.TcpV6, true, TapPort.EnabledOffloads, true)]
    [InlineData(GsoType.TcpV4, false, PortOffloads.Csum | PortOffloads.Tso4, true)]
    [InlineData(GsoType.TcpV6, false, PortOffloads.Csum | PortOffloads.Tso4, false)]
    [InlineData(GsoType.TcpV4, true, PortOffloads.Csum | PortOffloads.Tso4, false)]
    [InlineData(GsoType.TcpV4, false, PortOffloads.None, false)]
    public void A_super_frame_is_written_as_it_is_only_when_the_port_accepted_its_kind(GsoType gso, bool ecn, PortOffloads accepted, bool written)
    {
        var offload = new PacketOffload { Flags = OffloadFlags.NeedsCsum, Gso = gso, GsoEcn = ecn, GsoSize = 1448, CsumStart = 34, CsumOffset = 16 };
        Assert.Equal(written, TapPort.AcceptsSegmentation(offload, accepted));
    }
}
