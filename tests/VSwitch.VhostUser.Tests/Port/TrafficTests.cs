using VSwitch.Core.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// Packets both ways through the port API, with the fake front-end as the guest: negotiated as QEMU and as DPDK's
/// virtio-user do, single and multi-descriptor frames, zero-copy and copy, mergeable receive buffers, several queue pairs.
/// </summary>
public sealed class TrafficTests
{
    [Fact]
    public void QEMU_negotiation_carries_frames_both_ways()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        Assert.Equal(1, rig.Port.RxQueueCount);
        Assert.Equal(1, rig.Port.TxQueueCount);

        FakeFrontendRing tx = guest.Ring(1);
        var sent = Enumerable.Range(0, 40).Select(i => PortRig.Frame(i, 60 + (i * 37))).ToList();
        foreach (byte[] f in sent)
        {
            tx.Transmit(f);
        }
        tx.Kick();
        List<byte[]> received = rig.Receive(0, sent.Count);
        Assert.Equal(sent, received);
        Assert.Equal(sent.Count, tx.ReadUsed().Count);
        Assert.Equal(sent.Count, rig.Port.Stats.Rx[0].Packets);
        Assert.Equal(sent.Sum(f => (long)f.Length), rig.Port.Stats.Rx[0].Bytes);

        FakeFrontendRing rx = guest.Ring(0);
        rx.PostReceiveBuffers(64);
        rig.Send(0, sent);
        List<byte[]> delivered = rx.ReceiveFrames(headerSize: 12, mergeable: true);
        Assert.Equal(sent, delivered);
        Assert.Equal(sent.Count, rig.Port.Stats.Tx[0].Packets);
        Assert.True(rx.WaitForCall(TimeSpan.FromSeconds(1)), "the guest was not interrupted after receiving");
        Assert.Equal(0, rig.Pool.Count - rig.Pool.Available);
    }

    [Fact]
    public void DPDK_negotiation_carries_frames_both_ways()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeDpdk();
        rig.WaitForState(PortState.Up);
        VhostUserPortStatus status = rig.Port.GetStatus();
        Assert.Contains("Version1", status.AckedFeatures);
        Assert.DoesNotContain("MrgRxbuf", status.AckedFeatures);
        Assert.Contains("ReplyAck", status.AckedProtocolFeatures);

        var frames = Enumerable.Range(0, 10).Select(i => PortRig.Frame(i, 64)).ToList();
        foreach (byte[] f in frames)
        {
            guest.Ring(1).Transmit(f);
        }
        Assert.Equal(frames, rig.Receive(0, frames.Count));

        guest.Ring(0).PostReceiveBuffers(16);
        rig.Send(0, frames);
        Assert.Equal(frames, guest.Ring(0).ReceiveFrames(headerSize: 12));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Frames_split_over_descriptors_or_with_a_separate_header_arrive_whole(bool zeroCopy)
    {
        using var rig = new PortRig(zeroCopy: zeroCopy);
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        FakeFrontendRing tx = guest.Ring(1);
        byte[] small = PortRig.Frame(1, 100);
        byte[] large = PortRig.Frame(2, 5000);
        tx.Transmit(small, splitHeader: true);
        tx.Transmit(large);
        tx.Transmit(small);

        int n = rig.Port.Receive(0, rig.Batch);
        Assert.Equal(3, n);
        Assert.Equal(small, rig.Batch[0].Span.ToArray());
        Assert.Equal(large, rig.Batch[1].Span.ToArray());
        Assert.Equal(small, rig.Batch[2].Span.ToArray());
        Assert.False(rig.Batch[1].IsExternal);
        Assert.Equal(zeroCopy, rig.Batch[2].IsExternal);
        Assert.Empty(tx.ReadUsed());
        rig.Batch.FreeAll();
        rig.Port.CompleteReceive(0);
        Assert.Equal(3, tx.ReadUsed().Count);
    }

    [Fact]
    public void Mergeable_receive_spreads_a_jumbo_frame_over_buffers()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        Assert.Contains("MrgRxbuf", rig.Port.GetStatus().AckedFeatures);
        FakeFrontendRing rx = guest.Ring(0);
        rx.PostReceiveBuffers(16);
        byte[] jumbo = PortRig.Frame(9, 9000);
        byte[] small = PortRig.Frame(10, 64);
        rig.Send(0, [jumbo, small]);

        List<(uint Id, uint Length)> used = rx.Driver.ReadUsed();
        Assert.Equal(6, used.Count);
        byte[] first = rx.Gather(used[0].Id, used[0].Length);
        Assert.Equal(5, BitConverter.ToUInt16(first, 10));
        var frame = new List<byte>(first[12..]);
        for (int i = 1; i < 5; i++)
        {
            frame.AddRange(rx.Gather(used[i].Id, used[i].Length));
        }
        Assert.Equal(jumbo, frame.ToArray());
        byte[] last = rx.Gather(used[5].Id, used[5].Length);
        Assert.Equal(1, BitConverter.ToUInt16(last, 10));
        Assert.Equal(small, last[12..]);
    }

    [Fact]
    public void Without_mergeable_buffers_a_frame_needs_one_large_enough_chain()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures & ~FakeFrontendRequest.FeatureMrgRxbuf);
        rig.WaitForState(PortState.Up);
        FakeFrontendRing rx = guest.Ring(0);
        rx.PostReceiveBuffers(1, slotsPerChain: 5);
        rx.PostReceiveBuffers(1, slotsPerChain: 1);
        rig.Send(0, [PortRig.Frame(1, 9000), PortRig.Frame(2, 3000)]);
        List<byte[]> frames = rx.ReceiveFrames(headerSize: 12);
        Assert.Equal([PortRig.Frame(1, 9000)], frames);
        Assert.Equal(1, rig.Port.Stats.Tx[0].Drops[DropReason.TxNoGuestBuffer]);
    }

    [Fact]
    public void No_guest_buffer_is_a_counted_drop()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        rig.Send(0, [PortRig.Frame(1), PortRig.Frame(2)]);
        Assert.Equal(2, rig.Port.Stats.Tx[0].Drops[DropReason.TxNoGuestBuffer]);
        Assert.Equal(0, rig.Pool.Count - rig.Pool.Available);
    }

    [Fact]
    public void Runts_are_dropped_and_their_chains_returned()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        FakeFrontendRing tx = guest.Ring(1);
        tx.Transmit(new byte[10]);
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
        Assert.Single(tx.ReadUsed());
        Assert.Equal(1, rig.Port.Stats.Rx[0].Drops[DropReason.RxRunt]);
        // Nothing is held: a stop right now needs no CompleteReceive.
        Assert.Equal(1u, guest.GetVringBase(1));
    }

    [Fact]
    public void Two_queue_pairs_carry_traffic_independently()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(queuePairs: 2);
        PortRig.WaitFor(() => rig.Port.RxQueueCount == 2 && rig.Port.TxQueueCount == 2, "two queue pairs");
        guest.Ring(1).Transmit(PortRig.Frame(1));
        guest.Ring(3).Transmit(PortRig.Frame(3));
        guest.Ring(3).Transmit(PortRig.Frame(4));
        Assert.Equal([PortRig.Frame(1)], rig.Receive(0, 1));
        Assert.Equal([PortRig.Frame(3), PortRig.Frame(4)], rig.Receive(1, 2));
        guest.Ring(0).PostReceiveBuffers(4);
        guest.Ring(2).PostReceiveBuffers(4);
        rig.Send(1, [PortRig.Frame(5)]);
        rig.Send(3, [PortRig.Frame(6)]);
        Assert.Equal([PortRig.Frame(5), PortRig.Frame(6)], guest.Ring(2).ReceiveFrames(mergeable: true));
        Assert.Empty(guest.Ring(0).ReceiveFrames(mergeable: true));
        Assert.Equal(2, rig.Port.Stats.Tx[1].Packets);
        Assert.Equal(2, rig.Port.GetStatus().QueuePairs);
    }

    [Fact]
    public void Guest_that_breaks_its_ring_stops_only_that_ring()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        FakeFrontendRing tx = guest.Ring(1);
        tx.Driver.AddRawChainHead(0xdead_0000_0000, 100, 0);
        tx.Driver.PublishAvail();
        Assert.Equal(0, rig.Port.Receive(0, rig.Batch));
        Assert.Equal(1, rig.Port.Stats.Rx[0].Drops[DropReason.GuestAddressUnmapped]);
        PortRig.WaitFor(() => rig.Events.Any(e => e.Kind == VhostUserPortEventKind.RingBroken && e.Ring == 1), "ring broken event");
        Assert.NotNull(rig.Port.GetStatus().Rings.Single(r => r.Index == 1).BrokenReason);
        guest.Ring(0).PostReceiveBuffers(2);
        rig.Send(0, [PortRig.Frame(1)]);
        Assert.Single(guest.Ring(0).ReceiveFrames(mergeable: true));
    }
}
