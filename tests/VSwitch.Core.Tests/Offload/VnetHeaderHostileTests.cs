using System.Buffers.Binary;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using Xunit;

namespace VSwitch.Core.Tests.Offload;

/// <summary>
/// Virtio-net headers a hostile guest or a confused peer could send: each one that cannot describe its frame, or asks
/// for what the port did not enable, is refused; whatever is accepted describes a checksum field inside the frame.
/// </summary>
public sealed unsafe class VnetHeaderHostileTests
{
    private const PortOffloads All = PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn;
    private const int FrameLength = 1514;

    public static TheoryData<string, byte[], PortOffloads> Refused => new()
    {
        { "csum_start beyond the frame", Header(flags: 1, csumStart: FrameLength, csumOffset: 0), All },
        { "checksum field straddling the end", Header(flags: 1, csumStart: FrameLength - 17, csumOffset: 16), All },
        { "csum_start + csum_offset wrapping 16 bits", Header(flags: 1, csumStart: 0xfff0, csumOffset: 0x20), All },
        { "pending checksum on a port without Csum", Header(flags: 1, csumStart: 34, csumOffset: 16), PortOffloads.Tso4 },
        { "unknown flag bit", Header(flags: 4), All },
        { "every flag bit", Header(flags: 0xff, csumStart: 34, csumOffset: 16), All },
        { "gso_size 0", Header(flags: 1, gso: 1, hdrLen: 66, gsoSize: 0, csumStart: 34, csumOffset: 16), All },
        { "gso without a pending checksum", Header(gso: 1, hdrLen: 66, gsoSize: 1448), All },
        { "gso type UDP (3)", Header(flags: 1, gso: 3, hdrLen: 42, gsoSize: 1448, csumStart: 34, csumOffset: 6), All },
        { "gso type UDP_L4 (5)", Header(flags: 1, gso: 5, hdrLen: 42, gsoSize: 1448, csumStart: 34, csumOffset: 6), All },
        { "gso type 2", Header(flags: 1, gso: 2, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16), All },
        { "gso type 0x7f", Header(flags: 1, gso: 0x7f, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16), All },
        { "TCPv4 on a port without Tso4", Header(flags: 1, gso: 1, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16), PortOffloads.Csum | PortOffloads.Tso6 },
        { "TCPv6 on a port without Tso6", Header(flags: 1, gso: 4, hdrLen: 86, gsoSize: 1428, csumStart: 54, csumOffset: 16), PortOffloads.Csum | PortOffloads.Tso4 },
        { "ECN on a port without TsoEcn", Header(flags: 1, gso: 0x81, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16), PortOffloads.Csum | PortOffloads.Tso4 },
        { "ECN bit without a gso type", Header(gso: 0x80), All },
        { "hdr_len beyond the frame", Header(flags: 1, gso: 1, hdrLen: FrameLength + 1, gsoSize: 1448, csumStart: 34, csumOffset: 16), All },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Is_refused(string why, byte[] header, PortOffloads accepted)
    {
        byte[] bytes = header; // xUnit1026 does not see a parameter used only in a fixed statement
        fixed (byte* h = bytes)
        {
            Assert.False(VnetHeader.TryParse(h, FrameLength, accepted, out _), why);
        }
    }

    [Fact]
    public void A_good_TCPv4_super_frame_header_is_taken_field_by_field_and_written_back_the_same()
    {
        byte[] header = Header(flags: 1, gso: 0x81, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16);
        fixed (byte* h = header)
        {
            Assert.True(VnetHeader.TryParse(h, 65_000, All, out PacketOffload offload));
            Assert.Equal(new PacketOffload
            {
                Flags = OffloadFlags.NeedsCsum,
                Gso = GsoType.TcpV4,
                GsoEcn = true,
                HdrLen = 66,
                GsoSize = 1448,
                CsumStart = 34,
                CsumOffset = 16,
            }, offload);
            byte[] written = new byte[VnetHeader.Size];
            fixed (byte* w = written)
            {
                VnetHeader.Write(w, in offload);
            }
            Assert.Equal(header, written);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Random_headers_never_describe_a_field_outside_the_frame(int seed)
    {
        var rng = new Random(seed);
        byte[] header = new byte[VnetHeader.Size];
        int accepted = 0;
        for (int i = 0; i < 200_000; i++)
        {
            rng.NextBytes(header);
            header[0] &= (byte)(rng.Next(2) == 0 ? 3 : 0xff); // mostly the known flags, so the deeper checks run
            header[1] = rng.Next(2) == 0 ? (byte)(new byte[] { 0, 1, 4, 0x81, 0x84 }[rng.Next(5)]) : header[1];
            int frameLength = rng.Next(0, 70_000);
            var ports = (PortOffloads)rng.Next(16);
            fixed (byte* h = header)
            {
                if (!VnetHeader.TryParse(h, frameLength, ports, out PacketOffload o))
                {
                    continue;
                }
                accepted++;
                if ((o.Flags & OffloadFlags.NeedsCsum) != 0)
                {
                    Assert.True(o.CsumStart + o.CsumOffset + 2 <= frameLength);
                    Assert.True((ports & PortOffloads.Csum) != 0);
                }
                if (o.Gso != GsoType.None)
                {
                    Assert.True(o.GsoSize > 0 && o.HdrLen <= frameLength && (o.Flags & OffloadFlags.NeedsCsum) != 0);
                    Assert.True((ports & (o.Gso == GsoType.TcpV4 ? PortOffloads.Tso4 : PortOffloads.Tso6)) != 0);
                    Assert.True(!o.GsoEcn || (ports & PortOffloads.TsoEcn) != 0);
                }
            }
        }
        Assert.True(accepted > 100, $"only {accepted} random headers were accepted: the deeper checks hardly ran");
    }

    private static byte[] Header(byte flags = 0, byte gso = 0, int hdrLen = 0, int gsoSize = 0, int csumStart = 0, int csumOffset = 0)
    {
        byte[] h = new byte[VnetHeader.Size];
        h[0] = flags;
        h[1] = gso;
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), (ushort)hdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), (ushort)gsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), (ushort)csumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(8), (ushort)csumOffset);
        return h;
    }
}
