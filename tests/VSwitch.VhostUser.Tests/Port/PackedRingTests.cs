using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using VSwitch.Virtio.Queue;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// Packed rings (VIRTIO_F_RING_PACKED) through the vhost-user session and the port: negotiation as QEMU and as DPDK's
/// virtio-user, traffic both ways over odd-sized rings that wrap, the base encoding of SET_VRING_BASE and
/// GET_VRING_BASE (slots, wrap counters, QEMU's used half), dirty logging into the descriptor ring, and the packed
/// variants of malformed requests.
/// </summary>
public sealed class PackedRingTests
{
    private static FakeFrontend PackedGuest(PortRig rig)
    {
        FakeFrontend guest = rig.Connect();
        guest.PackedRings = true;
        return guest;
    }

    [Fact]
    public void QEMU_negotiation_of_packed_rings_carries_frames_both_ways_across_wraps()
    {
        using var rig = new PortRig();
        using var guest = PackedGuest(rig);
        guest.CreateRing(0, size: 100, slotSize: 2048, packed: true);
        guest.CreateRing(1, size: 100, slotSize: 2048, packed: true);
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        VhostUserPortStatus status = rig.Port.GetStatus();
        Assert.Contains("RingPacked", status.AckedFeatures);
        Assert.All(status.Rings, r => Assert.Equal("packed", r.Layout));

        FakeFrontendRing tx = guest.Ring(1);
        FakeFrontendRing rx = guest.Ring(0);
        int total = 0;
        for (int round = 0; round < 7; round++)
        {
            // 37 frames a round into 100 slots: chains of one to three slots straddle the ring's end in later rounds.
            var sent = Enumerable.Range(0, 37).Select(i => PortRig.Frame(i + round, 60 + (((i * 997) + round) % 4000))).ToList();
            foreach (byte[] f in sent)
            {
                tx.Transmit(f, splitHeader: (f.Length & 1) == 0);
            }
            tx.Kick();
            Assert.Equal(sent, rig.Receive(0, sent.Count));
            Assert.Equal(sent.Count, tx.ReadUsed().Count);

            rx.PostReceiveBuffers(Math.Min(rx.FreeSlots, 60));
            rig.Send(0, sent);
            Assert.Equal(sent, rx.ReceiveFrames(headerSize: 12, mergeable: true));
            total += sent.Count;
        }
        Assert.Equal(total, rig.Port.Stats.Rx[0].Packets);
        Assert.Equal(total, rig.Port.Stats.Tx[0].Packets);
        Assert.Equal(0, rig.Port.Stats.Rx[0].Drops.Total + rig.Port.Stats.Tx[0].Drops.Total);
        Assert.True(rx.WaitForCall(TimeSpan.FromSeconds(1)), "the guest was not interrupted after receiving");
        Assert.Null(rig.Port.GetStatus().Rings.FirstOrDefault(r => r.BrokenReason is not null));
    }

    [Fact]
    public void DPDK_negotiation_of_packed_rings_carries_frames_both_ways()
    {
        using var rig = new PortRig();
        using var guest = PackedGuest(rig);
        guest.NegotiateLikeDpdk();
        rig.WaitForState(PortState.Up);
        Assert.Contains("RingPacked", rig.Port.GetStatus().AckedFeatures);

        var frames = Enumerable.Range(0, 300).Select(i => PortRig.Frame(i, 64)).ToList();
        for (int at = 0; at < frames.Count; at += 30)
        {
            List<byte[]> chunk = frames.GetRange(at, 30);
            foreach (byte[] f in chunk)
            {
                guest.Ring(1).Transmit(f);
            }
            Assert.Equal(chunk, rig.Receive(0, chunk.Count));
            guest.Ring(1).ReadUsed();
            guest.Ring(0).PostReceiveBuffers(30);
            rig.Send(0, chunk);
            Assert.Equal(chunk, guest.Ring(0).ReceiveFrames(headerSize: 12));
        }
    }

    [Fact]
    public void Split_negotiation_still_gets_split_rings()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        VhostUserPortStatus status = rig.Port.GetStatus();
        Assert.DoesNotContain("RingPacked", status.AckedFeatures);
        Assert.All(status.Rings, r => Assert.Equal("split", r.Layout));
    }

    [Fact]
    public void GET_VRING_BASE_reports_slots_and_wrap_counters_and_SET_VRING_BASE_resumes_there()
    {
        using var rig = new PortRig();
        using var guest = PackedGuest(rig);
        guest.CreateRing(0, size: 5, slotSize: 2048, packed: true);
        guest.CreateRing(1, size: 5, slotSize: 2048, packed: true);
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        FakeFrontendRing tx = guest.Ring(1);
        // Seven one-slot frames through a ring of five: the device ends at slot 2 with both wrap counters flipped to 0.
        for (int i = 0; i < 7; i++)
        {
            tx.Transmit(PortRig.Frame(i, 64));
            Assert.Single(rig.Receive(0, 1));
            tx.ReadUsed();
        }

        uint stoppedAt = guest.GetVringBase(1);

        var expected = new PackedQueueState(2, false, 2, false);
        Assert.Equal(expected.ToVhostBase(), stoppedAt);
        Assert.Equal(expected, new PackedQueueState(tx.PackedDriver!.NextAvail, tx.PackedDriver.AvailWrap, tx.PackedDriver.NextUsed, tx.PackedDriver.UsedWrap));
        // QEMU restarts the ring with what it was told (the vhost-user "Ring states" stop/start cycle).
        guest.StartRing(tx, stoppedAt);
        guest.SetVringEnable(1, true);
        PortRig.WaitFor(() => rig.Port.RxQueueCount == 1, "ring running again");
        byte[] frame = PortRig.Frame(99, 200);
        tx.Transmit(frame);
        Assert.Equal([frame], rig.Receive(0, 1));
    }

    [Theory]
    [InlineData(0x0000_8000u)]   // DPDK: avail half only; used follows avail
    [InlineData(0x8000_8000u)]   // QEMU: both halves
    public void Fresh_packed_base_in_either_encoding_starts_at_slot_0_wrap_1(uint vringBase)
    {
        using var rig = new PortRig();
        using var guest = PackedGuest(rig);
        guest.NegotiateLikeQemu(vringBase: vringBase);
        rig.WaitForState(PortState.Up);
        byte[] frame = PortRig.Frame(1, 64);
        guest.Ring(1).Transmit(frame);
        Assert.Equal([frame], rig.Receive(0, 1));
        Assert.Equal(PackedQueueState.Initial.ToVhostBase() + 0x0001_0001u, guest.GetVringBase(1));
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(100u)]
    [InlineData(32768u)]
    public void Packed_ring_size_need_not_be_a_power_of_two(uint num)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.UseReplyAck = true;
        f.SetProtocolFeatures(f.GetProtocolFeatures() & R.ProtocolReplyAck);
        f.SetFeatures(R.FeatureVersion1 | R.FeatureProtocolFeatures | R.FeatureRingPacked);
        f.SetVringNum(0, num);
        // Acknowledged (REPLY_ACK), and the session goes on: a round trip after it still gets its answer.
        Assert.NotEqual(0UL, f.GetFeatures() & R.FeatureRingPacked);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(32769u)]
    public void Packed_ring_size_is_still_bounded(uint num)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetFeatures(R.FeatureVersion1 | R.FeatureRingPacked);
        f.SetVringNum(0, num);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Base_naming_a_slot_outside_the_ring_is_refused_at_start()
    {
        using var rig = new PortRig();
        using var guest = PackedGuest(rig);
        guest.CreateRing(0, size: 8, slotSize: 2048, packed: true);
        guest.CreateRing(1, size: 8, slotSize: 2048, packed: true);
        // Avail slot 9 in a ring of 8.
        Assert.ThrowsAny<Exception>(() => guest.NegotiateLikeQemu(vringBase: 0x8009_8009u));
        Assert.True(guest.WaitForClose(PortRig.Timeout) || !guest.IsConnected);
    }

    [Fact]
    public void Split_ring_base_above_16_bits_is_still_refused()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetFeatures(R.FeatureVersion1);
        f.SetVringBase(0, 0x1_0000);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Guest_that_breaks_a_packed_ring_is_named_and_the_other_ring_keeps_working()
    {
        using var rig = new PortRig();
        using var guest = PackedGuest(rig);
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        FakeFrontendRing tx = guest.Ring(1);
        // A chain whose buffer lies outside guest memory.
        tx.PackedDriver!.AddRaw(0xdead_0000_0000, 100, 0);
        tx.PublishAvail();
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
        rig.Port.CompleteReceive(0);
        PortRig.WaitFor(() => rig.Port.GetStatus().Rings.Any(r => r.Index == 1 && r.BrokenReason == nameof(ChainStatus.OutOfRange)), "ring 1 reported broken");

        FakeFrontendRing rx = guest.Ring(0);
        rx.PostReceiveBuffers(4);
        byte[] frame = PortRig.Frame(5, 80);
        rig.Send(0, [frame]);
        Assert.Equal([frame], rx.ReceiveFrames(headerSize: 12, mergeable: true));
    }

    /// <summary>
    /// The switch restarted under a packed-ring front-end that does not reset its rings (QEMU resends the base it last
    /// sent; it cannot recover packed positions either): the new back-end finds the slot at that base already used in the
    /// current lap and starts the ring broken with a named reason, instead of handing the guest completions it never
    /// expects. Nothing else of the port is affected: the other ring still carries frames.
    /// </summary>
    [Fact]
    public void Packed_ring_resumed_with_a_stale_base_after_a_back_end_restart_is_named_broken()
    {
        var first = new PortRig();
        using var guest = first.Connect();
        guest.PackedRings = true;
        guest.CreateRing(0, size: 8, slotSize: 2048, packed: true);
        guest.CreateRing(1, size: 8, slotSize: 2048, packed: true);
        guest.NegotiateLikeQemu();
        first.WaitForState(PortState.Up);
        for (int i = 0; i < 3; i++)
        {
            guest.Ring(1).Transmit(PortRig.Frame(i, 64));
        }
        Assert.Equal(3, first.Receive(0, 3).Count);
        Assert.Equal(3, guest.Ring(1).ReadUsed().Count);
        // The switch goes away without GET_VRING_BASE (killed), and a new one comes up.
        first.Dispose();
        using var second = new PortRig();
        guest.Reconnect(second.SocketPath);
        // QEMU resends the base of the last start (a fresh ring's), while its transmit ring is three slots further.
        guest.NegotiateLikeQemu();
        PortRig.WaitFor(() => second.Port.GetStatus().Rings.Any(r => r.Index == 1 && r.BrokenReason == nameof(ChainStatus.StalePosition)),
            "the stale transmit ring reported broken");
        guest.Ring(1).Transmit(PortRig.Frame(9, 64));
        Assert.Equal(0, second.Port.Receive(0, second.Batch));
        Assert.Equal(PortState.Up, second.Port.State);
        // The receive ring had not moved (nothing was sent to the guest): its fresh base is right, and it works.
        Assert.Null(second.Port.GetStatus().Rings.Single(r => r.Index == 0).BrokenReason);
        guest.Ring(0).PostReceiveBuffers(2);
        byte[] frame = PortRig.Frame(10, 80);
        second.Send(0, [frame]);
        Assert.Equal([frame], guest.Ring(0).ReceiveFrames(headerSize: 12, mergeable: true));
    }

    [Theory]
    [InlineData(2UL, 0UL)]   // driver event area not 4-byte aligned
    [InlineData(0UL, 2UL)]   // device event area not 4-byte aligned
    [InlineData(0UL, 1UL << 40)]   // device event area outside guest memory
    public void Packed_event_areas_must_be_aligned_and_in_memory(ulong driverShift, ulong deviceShift)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.PackedRings = true;
        f.SetFeatures(R.FeatureVersion1 | R.FeatureRingPacked);
        f.AddRegion();
        f.SetMemTable();
        FakeFrontendRing ring = f.CreateRing(1, size: 8, slotSize: 2048, packed: true);
        f.SetVringNum(1, 8);
        f.SetVringBase(1, FakeFrontend.FreshPackedBase);
        f.SetVringAddr(1, ring.DescUserAddress, ring.UsedUserAddress + deviceShift, ring.AvailUserAddress + driverShift);
        f.SetVringKick(1, ring.KickFd);
        Assert.True(f.WaitForClose(PortRig.Timeout));
        Assert.Equal(0, rig.Port.RxQueueCount);
    }
}
