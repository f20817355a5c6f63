using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Actions;
using Xunit;

namespace VSwitch.Datapath.Tests.Actions;

public sealed class FrameEditorTests
{
    private readonly PacketPool _pool = new(8, 256, headroom: 64);

    [Fact]
    public void Push_then_strip_restores_the_frame()
    {
        byte[] frame = Frames.Udp(1, 2);
        PacketBuffer p = Load(frame);
        Assert.True(FrameEditor.TryPushVlan(p, EtherType.Vlan, 0x2064, out _));
        byte[] tagged = p.Span.ToArray();
        Assert.Equal(Frames.Tagged(frame, 0x64, 1), tagged);
        Assert.Equal(0x2064, FrameEditor.ReadDot1QTci(tagged));
        Assert.True(FrameEditor.TryStripVlan(p, out _));
        Assert.Equal(frame, p.Span.ToArray());
        p.Free();
    }

    [Fact]
    public void Push_without_headroom_shifts_the_payload()
    {
        var pool = new PacketPool(2, 256, headroom: 0);
        byte[] frame = Frames.Udp(1, 2);
        Assert.True(pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(frame));
        Assert.True(FrameEditor.TryPushVlan(p, EtherType.QinQ, 7, out _));
        Assert.Equal(Retpid(Frames.Tagged(frame, 7), 0x88a8), p.Span.ToArray());
        p.Free();
    }

    [Fact]
    public void Push_when_there_is_no_room_at_all_reports_PacketTooLarge()
    {
        var pool = new PacketPool(1, 64, headroom: 0);
        Assert.True(pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(new byte[64]));
        Assert.False(FrameEditor.TryPushVlan(p, EtherType.Vlan, 1, out DropReason reason));
        Assert.Equal(DropReason.PacketTooLarge, reason);
        Assert.Equal(64, p.Length);
        p.Free();
    }

    [Fact]
    public void Set_VID_on_tagged_keeps_PCP_and_on_untagged_pushes_priority_zero()
    {
        PacketBuffer tagged = Load(Frames.Tagged(Frames.Udp(1, 2), 100, pcp: 5));
        Assert.True(FrameEditor.TrySetVlanVid(tagged, 200, out _));
        Assert.Equal((5 << 13) | 200, FrameEditor.ReadDot1QTci(tagged.Span));
        PacketBuffer untagged = Load(Frames.Udp(1, 2));
        Assert.True(FrameEditor.TrySetVlanVid(untagged, 300, out _));
        Assert.Equal(300, FrameEditor.ReadDot1QTci(untagged.Span));
        tagged.Free();
        untagged.Free();
    }

    [Fact]
    public void Set_PCP_keeps_VID()
    {
        PacketBuffer p = Load(Frames.Tagged(Frames.Udp(1, 2), 100, pcp: 1));
        Assert.True(FrameEditor.TrySetVlanPcp(p, 6, out _));
        Assert.Equal((6 << 13) | 100, FrameEditor.ReadDot1QTci(p.Span));
        p.Free();
    }

    [Fact]
    public void Strip_on_untagged_or_a_truncated_tag_changes_nothing()
    {
        byte[] frame = Frames.Udp(1, 2);
        PacketBuffer p = Load(frame);
        Assert.True(FrameEditor.TryStripVlan(p, out _));
        Assert.Equal(frame, p.Span.ToArray());
        p.Free();
        byte[] cut = [.. new byte[12], 0x81, 0x00, 0x00];
        PacketBuffer q = Load(cut);
        Assert.True(FrameEditor.TryStripVlan(q, out _));
        Assert.Equal(cut, q.Span.ToArray());
        Assert.Equal(-1, FrameEditor.ReadDot1QTci(cut));
        q.Free();
    }

    [Fact]
    public void Set_MAC_writes_source_or_destination()
    {
        PacketBuffer p = Load(Frames.Udp(1, 2));
        Assert.True(FrameEditor.TrySetMac(p, TestSwitch.MacOf(9), source: true, out _));
        Assert.True(FrameEditor.TrySetMac(p, TestSwitch.MacOf(8), source: false, out _));
        Assert.Equal(TestSwitch.MacOf(9), EthernetHeader.Source(p.Span));
        Assert.Equal(TestSwitch.MacOf(8), EthernetHeader.Destination(p.Span));
        p.Free();
    }

    private PacketBuffer Load(byte[] frame)
    {
        Assert.True(_pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(frame));
        return p;
    }

    private static byte[] Retpid(byte[] tagged, ushort tpid)
    {
        tagged[12] = (byte)(tpid >> 8);
        tagged[13] = (byte)tpid;
        return tagged;
    }
}
