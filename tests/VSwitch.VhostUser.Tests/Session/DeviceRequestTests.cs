using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Session;

/// <summary>
/// Device-wide requests one by one, each with its malformed variants: features, protocol features, ownership, queue
/// count, status, MTU, RARP, the back-end channel fd, REPLY_ACK and requests the back-end does not know.
/// </summary>
public sealed class DeviceRequestTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private const ulong ExpectedFeatures =
        R.FeatureVersion1 | R.FeatureMrgRxbuf | R.FeatureEventIdx | R.FeatureIndirectDesc | R.FeatureMq | (1UL << 3)
        | (1UL << 16) | (1UL << 21) | R.FeatureLogAll | R.FeatureProtocolFeatures | (1UL << 24) | (1UL << 27)
        | R.FeatureRingPacked | R.FeatureOffloads;

    [Fact]
    public void GetFeatures_offers_the_documented_constant_set()
    {
        using var rig = new PortRig();
        using var a = rig.Connect();
        Assert.Equal(ExpectedFeatures, a.GetFeatures());
        a.Disconnect();
        rig.WaitForState(PortState.Waiting);
        using var b = rig.Connect();
        Assert.Equal(ExpectedFeatures, b.GetFeatures());
    }

    [Fact]
    public void SetFeatures_is_reported_by_name()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetFeatures(R.FeatureVersion1 | R.FeatureMrgRxbuf);
        f.GetFeatures();
        Assert.Equal(["MrgRxbuf", "Version1"], rig.Port.GetStatus().AckedFeatures);
    }

    [Fact]
    public void SetFeatures_with_an_unoffered_bit_is_refused_and_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolReplyAck);
        f.Send(R.SetFeatures, FakeFrontend.U64(R.FeatureVersion1 | (1UL << 35)), flags: FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
        var replies = new List<FakeFrontendReply>();
        Assert.True(f.WaitForClose(PortRig.Timeout, replies));
        Assert.NotEqual(0UL, Assert.Single(replies).U64);
        rig.WaitForState(PortState.Waiting);
        Assert.Contains("SetFeatures", rig.Port.GetStatus().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Protocol_features_are_offered_without_BackendReq()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        ulong offered = f.GetProtocolFeatures();
        Assert.Equal(R.ProtocolMq | R.ProtocolLogShmfd | R.ProtocolRarp | R.ProtocolReplyAck | R.ProtocolNetMtu
            | R.ProtocolConfigureMemSlots | R.ProtocolStatus, offered);
        f.SetProtocolFeatures(offered);
        f.GetFeatures();
        Assert.Contains("ConfigureMemSlots", rig.Port.GetStatus().AckedProtocolFeatures);
    }

    [Fact]
    public void SetProtocolFeatures_with_an_unoffered_bit_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.Send(R.SetProtocolFeatures, FakeFrontend.U64(R.ProtocolBackendReq));
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void GetQueueNum_reports_the_configured_queue_pairs(int pairs)
    {
        using var rig = new PortRig(maxQueuePairs: pairs);
        using var f = rig.Connect();
        Assert.Equal((ulong)pairs, f.GetQueueNum());
    }

    [Fact]
    public void SetOwner_then_ResetOwner_stops_every_ring()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        f.Tell(R.ResetOwner, []);
        // State and queue counts are published one after the other: wait for both.
        PortRig.WaitFor(() => rig.Port.State == PortState.Negotiating && rig.Port.RxQueueCount == 0, "rings stopped");
        Assert.All(rig.Port.GetStatus().Rings, r => Assert.False(r.Started));
    }

    [Fact]
    public void Status_is_stored_and_returned()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetStatus(0x0f);
        Assert.Equal(0x0fUL, f.GetStatus());
        Assert.Equal(0x0f, rig.Port.GetStatus().DeviceStatus);
        f.Send(R.SetStatus, FakeFrontend.U64(0x100));
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Theory]
    [InlineData(1500UL, true)]
    [InlineData(9000UL, true)]
    [InlineData(67UL, false)]
    [InlineData(65536UL, false)]
    public void NetSetMtu_accepts_only_valid_MTUs(ulong mtu, bool valid)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.NetSetMtu(mtu);
        if (valid)
        {
            f.GetFeatures();
            Assert.Equal((int)mtu, rig.Port.GetStatus().Mtu);
        }
        else
        {
            Assert.True(f.WaitForClose(PortRig.Timeout));
        }
    }

    [Fact]
    public void Configured_MTU_is_reported_until_the_front_end_sets_one()
    {
        using var rig = new PortRig(configure: o => o with { Mtu = 9000 });
        Assert.Equal(9000, rig.Port.GetStatus().Mtu);
    }

    [Fact]
    public void SendRarp_records_the_MAC_and_raises_an_event()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SendRarp([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
        f.GetFeatures();
        Assert.Equal(MacAddress.Parse("52:54:00:12:34:56"), rig.Port.GetStatus().RarpMac);
        PortRig.WaitFor(() => rig.Events.Any(e => e.Kind == VhostUserPortEventKind.RarpRequested), "RARP event");
    }

    [Fact]
    public void Backend_channel_fd_is_accepted_and_closed()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        using var probe = new FakeFrontendFdProbe();
        f.SetProtocolFeatures(R.ProtocolReplyAck);
        f.UseReplyAck = true;
        f.Tell(R.SetBackendReqFd, [], [probe.Fd]);
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
    }

    [Fact]
    public void Every_request_without_its_own_reply_is_acknowledged_under_ReplyAck()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.UseReplyAck = true;
        f.SetProtocolFeatures(FakeFrontend.QemuProtocolFeatures & f.GetProtocolFeatures());
        // Every Tell in the negotiation now asks for an ack and requires 0; any missing or non-zero ack throws.
        f.NegotiateLikeQemu();
        f.NetSetMtu(1500);
        f.SendRarp([2, 0, 0, 0, 0, 1]);
        f.SetVringEnable(0, true);
        rig.WaitForState(PortState.Up);
        // Requests that have their own reply get exactly that one reply.
        f.Send(R.GetFeatures, flags: FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
        Assert.Equal(ExpectedFeatures, f.ReadReply().U64);
        Assert.False(f.TryReadReply(Quiet, out _));
    }

    [Fact]
    public void NeedReply_without_ReplyAck_negotiated_gets_no_ack()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.Send(R.SetOwner, flags: FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
        Assert.False(f.TryReadReply(Quiet, out _));
        Assert.Equal(ExpectedFeatures, f.GetFeatures());
    }

    [Theory]
    [InlineData(R.IotlbMsg, 0)]
    [InlineData(R.GetConfig, 100)]
    [InlineData(77u, 3)]
    [InlineData(0u, 0)]
    public void Unknown_request_gets_an_error_reply_and_the_session_goes_on(uint request, int size)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        using var probe = new FakeFrontendFdProbe();
        f.SetProtocolFeatures(R.ProtocolReplyAck);
        f.Send(request, new byte[size], [probe.Fd], FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
        FakeFrontendReply reply = f.ReadReply();
        Assert.Equal(request, reply.Request);
        Assert.NotEqual(0UL, reply.U64);
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout), "an fd sent with an unknown request must be closed");
        Assert.Equal(ExpectedFeatures, f.GetFeatures());
        // Logged by the session thread, which may still be on its way there when the reply has arrived.
        PortRig.WaitFor(() => rig.Log.Contains("unsupported"), "the 'unsupported' log line");
    }

    [Theory]
    [InlineData(0x0u)]
    [InlineData(0x2u)]
    [InlineData(0x41u)]
    public void Header_with_a_bad_version_or_flag_ends_the_session(uint flags)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.Send(R.GetFeatures, flags: flags);
        Assert.True(f.WaitForClose(PortRig.Timeout));
        rig.WaitForState(PortState.Waiting);
    }

    [Fact]
    public void Oversized_payload_ends_the_session_without_reading_it()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        byte[] header = new byte[12];
        BitConverter.TryWriteBytes(header, R.SetFeatures);
        BitConverter.TryWriteBytes(header.AsSpan(4), FakeFrontend.Version1);
        BitConverter.TryWriteBytes(header.AsSpan(8), 1u << 20);
        f.SendRaw(header);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Theory]
    [InlineData(R.SetFeatures, 4)]
    [InlineData(R.GetFeatures, 8)]
    [InlineData(R.SetVringNum, 12)]
    [InlineData(R.SetVringAddr, 32)]
    [InlineData(R.SetMemTable, 20)]
    public void Wrong_payload_size_for_the_request_ends_the_session_after_an_error_ack(uint request, int size)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolReplyAck);
        f.Send(request, new byte[size], flags: FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
        var replies = new List<FakeFrontendReply>();
        Assert.True(f.WaitForClose(PortRig.Timeout, replies));
        Assert.NotEqual(0UL, Assert.Single(replies).U64);
    }

    [Fact]
    public void Message_cut_short_by_a_disconnect_leaves_the_port_waiting()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        byte[] header = new byte[12];
        BitConverter.TryWriteBytes(header, R.SetFeatures);
        BitConverter.TryWriteBytes(header.AsSpan(4), FakeFrontend.Version1);
        BitConverter.TryWriteBytes(header.AsSpan(8), 8u);
        f.SendRaw(header.AsSpan(0, 7));
        f.Disconnect();
        rig.WaitForState(PortState.Waiting);
        using var g = rig.Connect();
        Assert.Equal(ExpectedFeatures, g.GetFeatures());
    }
}
