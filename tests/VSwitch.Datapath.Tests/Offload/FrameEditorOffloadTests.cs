using VSwitch.Core.Net;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Actions;
using VSwitch.TestKit;
using VSwitch.TestKit.Offload;
using Xunit;

namespace VSwitch.Datapath.Tests.Offload;

/// <summary>VLAN push and strip move a frame's offload offsets with its headers, in the headroom and in place.</summary>
public sealed class FrameEditorOffloadTests
{
    [Theory]
    [InlineData(128)]
    [InlineData(0)] // no headroom: the push moves the payload back inside the buffer
    public void Push_and_strip_keep_a_pending_checksum_and_a_super_frame_right(int headroom)
    {
        var pool = new PacketPool(2, 4096, headroom);
        var spec = new L4FrameSpec { Payload = new byte[3000] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec, mss: 1000);
        Assert.True(pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(frame));
        p.Offload = offload;

        Assert.True(FrameEditor.TryPushVlan(p, EtherType.Vlan, 9, out _));
        Assert.Equal(offload.CsumStart + 4, p.Offload.CsumStart);
        Assert.Equal(offload.HdrLen + 4, p.Offload.HdrLen);
        Assert.True(TcpSegmenter.TryParse(p.Span, in p.Offload, out TcpSuperFrame layout, out _));
        Assert.Equal(3, layout.SegmentCount);
        Assert.Equal(offload.HdrLen + 4, layout.HeaderBytes);
        byte[] completed = p.Span.ToArray();
        Assert.True(SoftwareOffload.TryCompleteChecksumInCopy(in p.Offload, completed));
        Assert.Equal(PacketFactory.WithVlan(L4Frames.Build(spec), 9), completed);

        Assert.True(FrameEditor.TryStripVlan(p, out _));
        Assert.Equal(offload, p.Offload);
        p.Offload.Gso = GsoType.None; // complete it as a plain frame with a pending checksum
        Assert.True(SoftwareOffload.TryCompleteChecksum(p, out _));
        Assert.Equal(L4Frames.Build(spec), p.Span.ToArray());
        p.Free();
    }

    [Fact]
    public void A_tagged_frame_stripped_and_completed_equals_the_untagged_reference()
    {
        var pool = new PacketPool(1, 4096);
        var spec = new L4FrameSpec { Udp = true, VlanTags = 2, Payload = new byte[101] };
        var (frame, offload) = L4Frames.BuildOffloaded(spec);
        Assert.True(pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(frame));
        p.Offload = offload;
        Assert.True(FrameEditor.TryStripVlan(p, out _));
        Assert.True(FrameEditor.TryStripVlan(p, out _));
        Assert.True(SoftwareOffload.TryCompleteChecksum(p, out _));
        Assert.Equal(L4Frames.Build(spec with { VlanTags = 0 }), p.Span.ToArray());
        p.Free();
    }
}
