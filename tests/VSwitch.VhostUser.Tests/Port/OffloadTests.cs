using System.Buffers.Binary;
using System.Diagnostics;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// Checksum and segmentation offload on a vhost-user port, with the fake front-end as the guest: what is offered with
/// offloads on and off, the refusal of an inconsistent feature set (VIRTIO 1.2 §5.1.3.1), TxOffloads from the acked
/// GUEST_ features, and a super-frame from the guest's transmit ring back into its mergeable receive buffers.
/// </summary>
public sealed class OffloadTests
{
    [Fact]
    public void Offloads_are_offered_by_default_and_not_when_turned_off()
    {
        using (var on = new PortRig())
        using (FakeFrontend f = on.Connect())
        {
            Assert.Equal(R.FeatureOffloads, f.GetFeatures() & R.FeatureOffloads);
        }
        using var off = new PortRig(configure: o => o with { Offloads = false });
        using FakeFrontend g = off.Connect();
        Assert.Equal(0UL, g.GetFeatures() & R.FeatureOffloads);
        g.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | R.FeatureOffloads);
        off.WaitForState(PortState.Up);
        Assert.Equal(PortOffloads.None, off.Port.TxOffloads);
        Assert.False(off.Port.GetStatus().OffloadsOffered);
    }

    [Theory]
    [InlineData(1UL << 7, "GUEST_CSUM")]           // GUEST_TSO4 alone
    [InlineData((1UL << 12) | (1UL << 13), "CSUM")]    // HOST_TSO6 and HOST_ECN without CSUM
    public void An_inconsistent_feature_set_is_refused_and_ends_the_session(ulong offloads, string rule)
    {
        using var rig = new PortRig();
        using FakeFrontend f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolReplyAck);
        f.Send(R.SetFeatures, FakeFrontend.U64(R.FeatureVersion1 | offloads), flags: FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
        var replies = new List<FakeFrontendReply>();
        Assert.True(f.WaitForClose(PortRig.Timeout, replies));
        Assert.NotEqual(0UL, Assert.Single(replies).U64);
        rig.WaitForState(PortState.Waiting);
        string? error = rig.Port.GetStatus().LastError;
        Assert.Contains("SetFeatures", error, StringComparison.Ordinal);
        Assert.Contains(rule, error, StringComparison.Ordinal);
        Assert.Contains("5.1.3.1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TxOffloads_follow_the_acked_guest_features_and_clear_when_the_guest_leaves()
    {
        using var rig = new PortRig();
        Assert.Equal(PortOffloads.None, rig.Port.TxOffloads);
        using (FakeFrontend f = rig.Connect())
        {
            // GUEST_CSUM and GUEST_TSO6 only, and every HOST_ offload.
            ulong acked = FakeFrontend.LinuxGuestFeatures | (1UL << 1) | (1UL << 8) | (1UL << 0) | (1UL << 11) | (1UL << 12) | (1UL << 13);
            f.NegotiateLikeQemu(features: acked);
            rig.WaitForState(PortState.Up);
            Assert.Equal(PortOffloads.Csum | PortOffloads.Tso6, rig.Port.TxOffloads);
            VhostUserPortStatus status = rig.Port.GetStatus();
            Assert.True(status.OffloadsOffered);
            Assert.Equal(PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn, status.RxOffloads);
            Assert.Contains("GuestTso6", status.AckedFeatures);
            f.Disconnect();
        }
        rig.WaitForState(PortState.Waiting);
        Assert.Equal(PortOffloads.None, rig.Port.TxOffloads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_super_frame_crosses_the_port_both_ways_with_its_header(bool packed)
    {
        using var rig = new PortRig();
        using FakeFrontend guest = rig.Connect();
        guest.PackedRings = packed;
        guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | R.FeatureOffloads);
        rig.WaitForState(PortState.Up);
        Assert.Equal(PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn, rig.Port.TxOffloads);

        // The guest sends 40 KB as one TCP/IPv4 super-frame: its header, then the frame over 2 KiB slots.
        byte[] header = Header(flags: 1, gso: 1, hdrLen: 54, gsoSize: 1448, csumStart: 34, csumOffset: 16);
        byte[] frame = PortRig.Frame(1, 40_000);
        FakeFrontendRing tx = guest.Ring(1);
        tx.TransmitWithHeader(header, frame);
        tx.TransmitWithHeader(Header(flags: 1, csumStart: 34, csumOffset: 0xFFF0), PortRig.Frame(2, 100));   // hostile: dropped
        PacketBatch batch = rig.Batch;
        var clock = Stopwatch.StartNew();
        while (rig.Port.Receive(0, batch) == 0)
        {
            Assert.True(clock.Elapsed < PortRig.Timeout, "nothing arrived");
            Thread.Yield();
        }
        Assert.Equal(1, batch.Count);
        PacketBuffer p = batch[0];
        Assert.Equal(frame, p.Span.ToArray());
        Assert.Equal(GsoType.TcpV4, p.Offload.Gso);
        Assert.Equal(1448, p.Offload.GsoSize);
        Assert.Equal(1, rig.Port.Stats.Rx[0].Drops[DropReason.OffloadHeaderInvalid]);

        // Back into the same guest's mergeable receive buffers, header and all, before the receive completes.
        FakeFrontendRing rx = guest.Ring(0);
        rx.PostReceiveBuffers(32);
        rig.Port.Send(0, batch);
        rig.Port.CompleteReceive(0);
        var headers = new List<byte[]>();
        byte[] delivered = Assert.Single(rx.ReceiveFrames(headerSize: 12, mergeable: true, headers));
        Assert.Equal(frame, delivered);
        byte[] expected = Header(flags: 1, gso: 1, hdrLen: 54, gsoSize: 1448, csumStart: 34, csumOffset: 16);
        Assert.Equal(expected.AsSpan(0, 10).ToArray(), headers[0].AsSpan(0, 10).ToArray());
        Assert.Equal((frame.Length + 12 + tx.SlotSize - 1) / tx.SlotSize, BinaryPrimitives.ReadUInt16LittleEndian(headers[0].AsSpan(10)));
        Assert.Equal(2, tx.ReadUsed().Count);
    }

    private static byte[] Header(byte flags = 0, byte gso = 0, ushort hdrLen = 0, ushort gsoSize = 0, ushort csumStart = 0, ushort csumOffset = 0)
    {
        var h = new byte[12];
        h[0] = flags;
        h[1] = gso;
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), hdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), gsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), csumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(8), csumOffset);
        return h;
    }
}
