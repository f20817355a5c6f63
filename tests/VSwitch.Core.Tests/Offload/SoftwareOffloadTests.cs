using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Offload;
using Xunit;

namespace VSwitch.Core.Tests.Offload;

/// <summary>Checksum completion against the reference, what work each port needs, and offsets that lie.</summary>
public sealed class SoftwareOffloadTests
{
    private readonly PacketPool _pool = new(4, dataRoom: 9216 + 64);

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void Completing_a_pending_checksum_gives_the_reference_frame(int seed, bool udp)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 300; round++)
        {
            L4FrameSpec spec = L4Frames.Random(rng, rng.Next(0, 9000 - 200), udp);
            byte[] expected = L4Frames.Build(spec);
            var (frame, offload) = L4Frames.BuildOffloaded(spec);
            Assert.True(_pool.TryRent(out PacketBuffer? packet));
            Assert.True(packet.TryCopyFrom(frame));
            packet.Offload = offload;

            Assert.True(SoftwareOffload.TryCompleteChecksum(packet, out _), spec.ToString());

            Assert.Equal(expected, packet.Span.ToArray());
            Assert.True(L4Frames.ChecksumsValid(packet.Span.ToArray()), spec.ToString());
            Assert.Equal(OffloadFlags.None, packet.Offload.Flags);
            packet.Free();
        }
    }

    [Fact]
    public unsafe void A_lent_packet_is_copied_into_its_own_buffer_before_the_checksum_is_written()
    {
        var spec = new L4FrameSpec { Payload = new byte[333] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec);
        byte[] lent = (byte[])frame.Clone();
        Assert.True(_pool.TryRent(out PacketBuffer? packet));
        fixed (byte* p = lent)
        {
            packet.AttachExternal(p, lent.Length);
            packet.Offload = offload;
            Assert.True(SoftwareOffload.TryCompleteChecksum(packet, out _));
        }
        Assert.False(packet.IsExternal);
        Assert.Equal(frame, lent); // the lender's memory is untouched
        Assert.Equal(L4Frames.Build(spec), packet.Span.ToArray());
        packet.Free();
    }

    [Theory]
    [InlineData(54, 0)] // start at the end of the frame
    [InlineData(40, 13)] // field straddles the end
    [InlineData(65535, 65535)] // offsets moved past the end by edits
    public void A_checksum_field_outside_the_frame_is_refused_and_nothing_is_written(int start, int offset)
    {
        byte[] frame = L4Frames.Build(new L4FrameSpec());
        Assert.Equal(54, frame.Length);
        Assert.True(_pool.TryRent(out PacketBuffer? packet));
        Assert.True(packet.TryCopyFrom(frame));
        packet.Offload = new PacketOffload { Flags = OffloadFlags.NeedsCsum, CsumStart = (ushort)start, CsumOffset = (ushort)offset };

        Assert.False(SoftwareOffload.TryCompleteChecksum(packet, out DropReason reason));

        Assert.Equal(DropReason.OffloadHeaderInvalid, reason);
        Assert.Equal(frame, packet.Span.ToArray());
        packet.Free();
    }

    [Theory]
    [InlineData(OffloadFlags.None, GsoType.None, false, PortOffloads.None, OffloadWork.None)]
    [InlineData(OffloadFlags.DataValid, GsoType.None, false, PortOffloads.None, OffloadWork.None)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.None, false, PortOffloads.None, OffloadWork.Checksum)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.None, false, PortOffloads.Csum, OffloadWork.None)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.TcpV4, false, PortOffloads.Csum, OffloadWork.Segment)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.TcpV4, false, PortOffloads.Csum | PortOffloads.Tso6, OffloadWork.Segment)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.TcpV4, false, PortOffloads.Csum | PortOffloads.Tso4, OffloadWork.None)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.TcpV4, false, PortOffloads.Tso4, OffloadWork.Segment)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.TcpV6, false, PortOffloads.Csum | PortOffloads.Tso6, OffloadWork.None)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.TcpV6, true, PortOffloads.Csum | PortOffloads.Tso6, OffloadWork.Segment)]
    [InlineData(OffloadFlags.NeedsCsum, GsoType.TcpV6, true, PortOffloads.Csum | PortOffloads.Tso6 | PortOffloads.TsoEcn, OffloadWork.None)]
    [InlineData(OffloadFlags.NeedsCsum, (GsoType)3, false, PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6, OffloadWork.Segment)]
    public void Work_depends_on_what_the_peer_accepts(OffloadFlags flags, GsoType gso, bool ecn, PortOffloads accepted, OffloadWork work)
    {
        var offload = new PacketOffload { Flags = flags, Gso = gso, GsoEcn = ecn, GsoSize = 1448 };
        Assert.Equal(work, SoftwareOffload.WorkFor(in offload, accepted));
    }
}
