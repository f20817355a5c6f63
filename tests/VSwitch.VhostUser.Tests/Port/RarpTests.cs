using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// SEND_RARP after a migration: the port hands a RARP announcement of the guest's MAC to the datapath thread that polls
/// queue 0, as a frame received from the guest, with the exact bytes; at once when the guest transmit ring runs, else
/// once it starts; counted and logged; refused with a clear error when the MAC or the payload is unusable.
/// </summary>
public sealed class RarpTests
{
    private static readonly byte[] GuestMac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

    /// <summary>The announcement of 52:54:00:12:34:56, byte by byte (RFC 903 over Ethernet, padded to 60 bytes).</summary>
    private static readonly byte[] ExpectedFrame =
    [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,             // destination: broadcast
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56,             // source: the guest
        0x80, 0x35,                                     // EtherType RARP
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04,             // Ethernet, IPv4, address lengths 6 and 4
        0x00, 0x03,                                     // reverse request
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56,             // sender hardware address
        0x00, 0x00, 0x00, 0x00,                         // sender protocol address
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56,             // target hardware address
        0x00, 0x00, 0x00, 0x00,                         // target protocol address
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   // padding to 60 bytes
    ];

    [Fact]
    public void SendRarp_on_a_running_port_is_received_from_the_port_as_the_exact_announcement()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);

        guest.SendRarp(GuestMac);
        _ = guest.GetFeatures();   // a round trip: the request was handled
        List<byte[]> frames = rig.Receive(0, 1);   // also checks the packet's in-port is the port

        Assert.Equal(60, ExpectedFrame.Length);
        Assert.Equal(ExpectedFrame, frames[0]);
        VhostUserPortStatus status = rig.Port.GetStatus();
        Assert.Equal(1, status.RarpRequested);
        Assert.Equal(1, status.RarpSent);
        // The announcement is the switch's, not the guest's: it is not counted as received from the guest.
        Assert.Equal(0, rig.Port.Stats.Rx[0].Packets);
        Assert.Empty(guest.Ring(1).ReadUsed());
        Assert.True(rig.Log.Contains("SEND_RARP for 52:54:00:12:34:56: the announcement enters the switch now"));
        PortRig.WaitFor(() => rig.Log.Contains("RARP announcement for 52:54:00:12:34:56 sent into the switch from this port (1 so far)"), "the sent log line");
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
    }

    [Fact]
    public void Announcing_allocates_nothing_on_the_datapath_thread()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        for (int round = 1; round <= 2; round++)
        {
            guest.SendRarp(GuestMac);
            _ = guest.GetFeatures();
            PortRig.WaitFor(() => rig.Port.GetStatus().RarpRequested == round, "the request");
            // Round 1 warms up (first calls compile); round 2 is measured.
            long before = GC.GetAllocatedBytesForCurrentThread();
            int n = rig.Port.Receive(0, rig.Batch);
            rig.Batch.FreeAll();
            rig.Port.CompleteReceive(0);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(1, n);
            if (round == 2)
            {
                Assert.Equal(0, allocated);
            }
        }
        Assert.Equal(2, rig.Port.GetStatus().RarpSent);
    }

    [Fact]
    public void The_announcement_goes_ahead_of_frames_the_guest_sent_in_the_same_poll()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        byte[] frame = PortRig.Frame(1, 100);
        guest.Ring(1).Transmit(frame);
        guest.SendRarp(GuestMac);
        _ = guest.GetFeatures();

        List<byte[]> frames = rig.Receive(0, 2);

        Assert.Equal([ExpectedFrame, frame], frames);
        Assert.Single(guest.Ring(1).ReadUsed());
        Assert.Equal(1, rig.Port.Stats.Rx[0].Packets);
    }

    [Fact]
    public void SendRarp_before_the_rings_run_is_sent_when_the_guest_transmit_ring_starts()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.SendRarp(GuestMac);
        _ = guest.GetFeatures();
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
        Assert.True(rig.Log.Contains("the announcement enters the switch when the guest transmit ring of queue pair 0 starts"));

        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);

        Assert.Equal(ExpectedFrame, rig.Receive(0, 1)[0]);
        Assert.Equal(1, rig.Port.GetStatus().RarpSent);
    }

    [Fact]
    public void A_second_request_before_the_first_was_sent_replaces_it()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.SendRarp([0x02, 0, 0, 0, 0, 0x01]);
        guest.SendRarp(GuestMac);
        _ = guest.GetFeatures();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);

        Assert.Equal(ExpectedFrame, rig.Receive(0, 1)[0]);
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
        VhostUserPortStatus status = rig.Port.GetStatus();
        Assert.Equal(2, status.RarpRequested);
        Assert.Equal(1, status.RarpSent);
        Assert.True(rig.Log.Contains("SEND_RARP replaced an announcement not sent yet"));
    }

    [Fact]
    public void A_request_whose_front_end_leaves_before_its_ring_runs_is_dropped()
    {
        using var rig = new PortRig();
        using (var gone = rig.Connect())
        {
            gone.SendRarp(GuestMac);
            _ = gone.GetFeatures();
        }
        rig.WaitForState(PortState.Waiting);
        PortRig.WaitFor(() => rig.Log.Contains("RARP announcement dropped: the front-end left before its transmit ring ran"), "the drop log line");

        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
        Assert.Equal(0, rig.Port.GetStatus().RarpSent);
    }

    [Fact]
    public void A_sleeping_datapath_thread_is_woken_for_the_announcement()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        Assert.True(rig.Port.TryGetRxKickFd(0, out _));
        FakeFrontendRing tx = guest.Ring(1);
        Assert.False(rig.Port.SetRxNotifications(0, false));
        Assert.False(tx.KickPending);
        // Arm as a thread going to sleep does: nothing waits, so it would sleep.
        Assert.False(rig.Port.SetRxNotifications(0, true));

        guest.SendRarp(GuestMac);
        _ = guest.GetFeatures();

        // The wake fd turned readable, and an arm now says "poll instead of sleeping".
        Assert.True(tx.KickPending, "the kick eventfd was not signalled");
        Assert.True(rig.Port.SetRxNotifications(0, true));
        Assert.False(rig.Port.SetRxNotifications(0, false));
        Assert.False(tx.KickPending, "disarming must drain the extra kick");
        Assert.Equal(ExpectedFrame, rig.Receive(0, 1)[0]);
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, "01:00:5e:00:00:01")]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "ff:ff:ff:ff:ff:ff")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0 }, "00:00:00:00:00:00")]
    public void SendRarp_with_a_MAC_no_guest_has_ends_only_that_session(byte[] mac, string text)
    {
        using var rig = new PortRig();
        using var other = new PortRig(name: "vm2");
        using var bystander = other.Connect();
        bystander.NegotiateLikeQemu();
        other.WaitForState(PortState.Up);
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);

        guest.SendRarp(mac);

        Assert.True(guest.WaitForClose(PortRig.Timeout), "the session must end");
        PortRig.WaitFor(() => rig.Port.GetStatus().LastError is not null, "last error");
        Assert.Equal($"SendRarp: InvalidParameter: the MAC {text} is not a unicast address", rig.Port.GetStatus().LastError);
        Assert.Equal(0, rig.Port.GetStatus().RarpSent);
        Assert.Equal(PortState.Up, other.Port.State);
        byte[] frame = PortRig.Frame(3);
        bystander.Ring(1).Transmit(frame);
        Assert.Equal(frame, other.Receive(0, 1)[0]);
    }

    [Fact]
    public void SendRarp_with_a_short_payload_ends_the_session_with_a_clear_error()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);

        guest.Send(R.SendRarp, GuestMac.AsSpan(0, 4));

        Assert.True(guest.WaitForClose(PortRig.Timeout), "the session must end");
        PortRig.WaitFor(() => rig.Port.GetStatus().LastError is not null, "last error");
        Assert.StartsWith("SendRarp: InvalidPayloadSize", rig.Port.GetStatus().LastError, StringComparison.Ordinal);
        Assert.Equal(0, rig.Port.GetStatus().RarpRequested);
    }
}
