using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Session;

/// <summary>
/// Ring requests one by one, with their malformed variants: size, addresses, base, kick/call/err fds and the "no fd"
/// flag, enable, and the stop (GET_VRING_BASE) that must wait for the datapath.
/// </summary>
public sealed class VringRequestTests
{
    /// <summary>
    /// A connected front-end with features, protocol features and memory set, and rings laid out (not started). Every
    /// request is acknowledged (REPLY_ACK), so each one has taken effect when the call returns.
    /// </summary>
    private static FakeFrontend Prepared(PortRig rig, ulong features = FakeFrontend.LinuxGuestFeatures)
    {
        FakeFrontend f = rig.Connect();
        f.SetProtocolFeatures(FakeFrontend.QemuProtocolFeatures & f.GetProtocolFeatures() & ~R.ProtocolConfigureMemSlots);
        f.UseReplyAck = true;
        f.SetFeatures(f.GetFeatures() & features);
        f.AddRegion();
        f.SetMemTable();
        f.CreateRing(0);
        f.CreateRing(1);
        return f;
    }

    /// <summary><see cref="Prepared"/>, then the guest transmit ring of queue pair 0 started, enabled and running.</summary>
    private static FakeFrontend Running(PortRig rig, out FakeFrontendRing tx)
    {
        FakeFrontend f = Prepared(rig);
        tx = f.Ring(1);
        f.StartRing(tx);
        f.SetVringEnable(1, true);
        PortRig.WaitFor(() => rig.Port.RxQueueCount == 1, "ring running");
        return f;
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(32769u)]
    [InlineData(65536u)]
    public void Queue_size_must_be_a_power_of_two_up_to_32768(uint num)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetVringNum(0, 32768);
        f.SetVringNum(0, 1);
        f.SetVringNum(0, num);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Theory]
    [InlineData(R.SetVringNum)]
    [InlineData(R.SetVringBase)]
    [InlineData(R.GetVringBase)]
    [InlineData(R.SetVringEnable)]
    public void Ring_index_beyond_the_queue_pairs_ends_the_session(uint request)
    {
        using var rig = new PortRig(maxQueuePairs: 2);
        using var f = rig.Connect();
        f.Send(request, FakeFrontend.VringState(4, 1));
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Theory]
    [InlineData(R.SetVringKick)]
    [InlineData(R.SetVringCall)]
    [InlineData(R.SetVringErr)]
    public void Fd_request_for_a_ring_beyond_the_queue_pairs_ends_the_session_and_closes_the_fd(uint request)
    {
        using var rig = new PortRig(maxQueuePairs: 2);
        using var f = rig.Connect();
        using var probe = new FakeFrontendFdProbe();
        f.Send(request, FakeFrontend.U64(4), [probe.Fd]);
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Theory]
    [InlineData(0x100UL, 1)]
    [InlineData(0x000UL, 0)]
    [InlineData(0x200UL, 1)]
    public void Fd_count_must_agree_with_the_no_fd_flag(ulong flags, int fds)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        using var probe = new FakeFrontendFdProbe();
        f.Send(R.SetVringKick, FakeFrontend.U64(1 | flags), fds == 0 ? [] : [probe.Fd]);
        Assert.True(f.WaitForClose(PortRig.Timeout));
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
    }

    [Fact]
    public void Ring_starts_on_kick_once_size_addresses_and_memory_are_known()
    {
        using var rig = new PortRig();
        using FakeFrontend f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolReplyAck);
        f.UseReplyAck = true;
        f.AddRegion();
        FakeFrontendRing ring = f.CreateRing(1);
        // Kick first: the ring waits for the rest, in whatever order it comes.
        f.SetVringKick(1, ring.KickFd);
        f.SetVringAddr(ring);
        f.SetVringNum(1, ring.Driver.QueueSize);
        Assert.False(rig.Port.TryGetRxKickFd(0, out _));
        f.SetMemTable();
        PortRig.WaitFor(() => rig.Port.GetStatus().Rings.Any(r => r.Index == 1 && r.Started && r.Running), "ring 1 running");
        Assert.True(rig.Port.TryGetRxKickFd(0, out int kick));
        Assert.True(kick >= 0);
        Assert.Equal(1, rig.Port.RxQueueCount);
        Assert.Equal(PortState.Negotiating, rig.Port.State);
    }

    [Fact]
    public void Polling_kick_starts_the_ring_without_a_kick_fd()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        f.StartRing(f.Ring(1), polling: true);
        f.SetVringEnable(1, true);
        f.Ring(1).Transmit(PortRig.Frame(1));
        Assert.Single(rig.Receive(0, 1));
        Assert.False(rig.Port.TryGetRxKickFd(0, out _));
        Assert.False(rig.Port.GetStatus().Rings.Single(r => r.Index == 1).HasKick);
    }

    public static TheoryData<string, long> BadAddresses => new()
    {
        { "descriptor table outside guest memory", -0x10_0000 },
        { "descriptor table misaligned", 8 },
        { "descriptor table running off the end of its region", (32 << 20) - 0x800 },
    };

    [Theory]
    [MemberData(nameof(BadAddresses))]
    public void Ring_outside_guest_memory_ends_the_session_at_start(string why, long descOffset)
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        FakeFrontendRing ring = f.Ring(1);
        ulong desc = (ulong)((long)f.Regions[0].UserAddress + descOffset);
        f.UseReplyAck = false;
        f.SetVringNum(1, ring.Driver.QueueSize);
        f.SetVringAddr(1, desc, ring.UsedUserAddress, ring.AvailUserAddress);
        f.SetVringKick(1, ring.KickFd);
        Assert.True(f.WaitForClose(PortRig.Timeout), why);
        Assert.Equal(0, rig.Port.RxQueueCount);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(0x8000_0000u)]
    public void Unknown_VringAddr_flags_end_the_session(uint flags)
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        f.UseReplyAck = false;
        f.SetVringAddr(f.Ring(1), flags);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Vring_base_beyond_sixteen_bits_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetVringBase(1, 0x1_0000);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void GetVringBase_reports_the_next_avail_index_and_SetVringBase_resumes_there()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        FakeFrontendRing tx = f.Ring(1);
        f.StartRing(tx);
        f.SetVringEnable(1, true);
        for (int i = 0; i < 5; i++)
        {
            tx.Transmit(PortRig.Frame(i));
        }
        Assert.Equal(5, rig.Receive(0, 5).Count);
        Assert.Equal(5u, f.GetVringBase(1));
        Assert.False(rig.Port.GetStatus().Rings.Single(r => r.Index == 1).Started);
        tx.Transmit(PortRig.Frame(5));
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));

        f.StartRing(tx, vringBase: 5);
        Assert.Equal([PortRig.Frame(5)], rig.Receive(0, 1));
        Assert.Equal(6u, f.GetVringBase(1));
    }

    [Fact]
    public void GetVringBase_on_a_ring_that_never_started_reports_the_set_base()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetVringBase(3, 1234);
        Assert.Equal(1234u, f.GetVringBase(3));
    }

    [Fact]
    public void GetVringBase_waits_until_the_datapath_completes_its_receive()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        f.Ring(1).Transmit(PortRig.Frame(1));
        f.Ring(1).Transmit(PortRig.Frame(2));
        PortRig.WaitFor(() => rig.Port.Receive(0, rig.Batch) > 0, "a receive");
        Assert.True(rig.Batch[0].IsExternal);
        f.Send(R.GetVringBase, FakeFrontend.VringState(1, 0));
        // The packets still point into guest memory: the session must not stop the ring under them.
        Assert.False(f.TryReadReply(TimeSpan.FromMilliseconds(300), out _));
        Assert.Equal(PortRig.Frame(1), rig.Batch[0].Span.ToArray());
        int received = rig.Batch.Count;
        rig.Batch.FreeAll();
        rig.Port.CompleteReceive(0);
        FakeFrontendReply reply = f.ReadReply();
        Assert.Equal((uint)received, BitConverter.ToUInt32(reply.Payload, 4));
    }

    [Fact]
    public void Call_fd_is_signalled_after_delivery_and_replacing_it_closes_the_old_one()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig, FakeFrontend.LinuxGuestFeatures & ~R.FeatureEventIdx);
        FakeFrontendRing rx = f.Ring(0);
        f.StartRing(rx);
        f.SetVringEnable(0, true);
        rx.PostReceiveBuffers(8);
        rig.Send(0, [PortRig.Frame(1)]);
        Assert.True(rx.WaitForCall(PortRig.Timeout));
        // VIRTIO 1.2 §2.7.7: with VRING_AVAIL_F_NO_INTERRUPT the device should not interrupt.
        rx.Driver.SetAvailFlags(1);
        rig.Send(0, [PortRig.Frame(2)]);
        Assert.False(rx.WaitForCall(TimeSpan.FromMilliseconds(100)));
        rx.Driver.SetAvailFlags(0);

        using var probe = FakeFrontendFdProbe.EventFd();
        f.SetVringCall(0, probe.Fd);
        Assert.False(probe.IsClosedEverywhere(TimeSpan.FromMilliseconds(100)));
        f.SetVringCall(0, rx.CallFd);
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
        rig.Send(0, [PortRig.Frame(3)]);
        Assert.True(rx.WaitForCall(PortRig.Timeout));
        Assert.Equal(3, rx.ReceiveFrames(mergeable: true).Count);
    }

    [Fact]
    public void Call_with_the_no_fd_flag_means_the_guest_polls()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        FakeFrontendRing rx = f.Ring(0);
        f.StartRing(rx);
        f.SetVringCall(0, -1);
        f.SetVringEnable(0, true);
        rx.PostReceiveBuffers(4);
        rig.Send(0, [PortRig.Frame(1)]);
        Assert.False(rx.WaitForCall(TimeSpan.FromMilliseconds(100)));
        Assert.Single(rx.ReceiveFrames(mergeable: true));
        Assert.Equal(0, rig.Port.Stats.Tx[0].Errors);
    }

    [Fact]
    public void Err_fd_is_kept_until_replaced_or_the_session_ends()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        using var first = FakeFrontendFdProbe.EventFd();
        using var second = FakeFrontendFdProbe.EventFd();
        f.SetVringErr(0, first.Fd);
        f.SetVringErr(0, second.Fd);
        Assert.True(first.IsClosedEverywhere(PortRig.Timeout));
        Assert.False(second.IsClosedEverywhere(TimeSpan.FromMilliseconds(100)));
        f.Disconnect();
        Assert.True(second.IsClosedEverywhere(PortRig.Timeout));
    }

    [Fact]
    public void Disabled_ring_is_left_alone_until_enabled()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        FakeFrontendRing tx = f.Ring(1);
        f.StartRing(tx);
        tx.Transmit(PortRig.Frame(1));
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
        Assert.Equal(0, rig.Port.RxQueueCount);
        Assert.False(rig.Port.GetStatus().Rings.Single(r => r.Index == 1).Running);
        f.SetVringEnable(1, true);
        Assert.Single(rig.Receive(0, 1));
        f.SetVringEnable(1, false);
        f.GetFeatures();
        tx.Transmit(PortRig.Frame(2));
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
    }

    [Fact]
    public void Without_protocol_features_rings_start_enabled()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig, FakeFrontend.LinuxGuestFeatures & ~R.FeatureProtocolFeatures);
        f.StartRing(f.Ring(1));
        f.Ring(1).Transmit(PortRig.Frame(1));
        Assert.Single(rig.Receive(0, 1));
    }

    [Fact]
    public void Enable_value_other_than_zero_or_one_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.Send(R.SetVringEnable, FakeFrontend.VringState(0, 2));
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Datapath_turns_guest_kicks_off_while_polling_and_on_before_sleeping(bool eventIdx)
    {
        using var rig = new PortRig();
        ulong features = eventIdx ? FakeFrontend.LinuxGuestFeatures : FakeFrontend.LinuxGuestFeatures & ~R.FeatureEventIdx;
        using FakeFrontend f = Prepared(rig, features);
        FakeFrontendRing tx = f.Ring(1);
        f.StartRing(tx);
        f.SetVringEnable(1, true);
        PortRig.WaitFor(() => rig.Port.RxQueueCount == 1, "ring running");
        Assert.Equal(eventIdx ? 0 : 1, tx.Driver.UsedFlags);
        Assert.False(rig.Port.SetRxNotifications(0, enabled: true));
        Assert.Equal(0, tx.Driver.UsedFlags);
        tx.Transmit(PortRig.Frame(1));
        Assert.True(rig.Port.SetRxNotifications(0, enabled: true), "work is pending: the caller must not sleep");
        Assert.Single(rig.Receive(0, 1));
        if (eventIdx)
        {
            Assert.False(rig.Port.SetRxNotifications(0, enabled: true));
            Assert.Equal(1, tx.Driver.AvailEvent);
        }
        else
        {
            rig.Port.SetRxNotifications(0, enabled: false);
            Assert.Equal(1, tx.Driver.UsedFlags);
        }
    }

    [Fact]
    public void Turning_guest_kicks_off_resets_the_kick_eventfd_so_the_next_sleep_does_not_wake_at_once()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Running(rig, out FakeFrontendRing tx);
        Assert.False(rig.Port.SetRxNotifications(0, enabled: true));
        tx.Kick();
        Assert.True(tx.KickPending);
        // The sleeper only waits on the kick fd; the port resets it when the sleeper disarms.
        Assert.False(rig.Port.SetRxNotifications(0, enabled: false));
        Assert.False(tx.KickPending);

        // A disabled ring keeps its kick fd as a wake fd, so a kick on it is reset too, or it would wake every sleep.
        f.SetVringEnable(1, false);
        Assert.True(rig.Port.TryGetRxKickFd(0, out _));
        tx.Kick();
        Assert.False(rig.Port.SetRxNotifications(0, enabled: false));
        Assert.False(tx.KickPending);

        // Nothing pending: disarming reads nothing (the eventfd is blocking, so a read would hang this thread).
        Assert.False(rig.Port.SetRxNotifications(0, enabled: false));
    }

    [Fact]
    public void A_new_kick_fd_on_a_running_ring_replaces_the_old_one_for_sleepers_and_for_draining()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Running(rig, out FakeFrontendRing tx);
        tx.RenewEventFds();
        f.SetVringKick(1, tx.KickFd);
        Assert.True(rig.Port.TryGetRxKickFd(0, out _));
        Assert.Equal(1, rig.Port.RxQueueCount);
        tx.Kick();
        Assert.False(rig.Port.SetRxNotifications(0, enabled: false));
        Assert.False(tx.KickPending);
        tx.Transmit(PortRig.Frame(1));
        Assert.Single(rig.Receive(0, 1));
    }
}
