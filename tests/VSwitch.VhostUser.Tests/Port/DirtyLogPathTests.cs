using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// Every path that writes guest memory runs under the dirty log: split and packed rings, mergeable and single
/// receive buffers, zero-copy and copied transmit; two datapath threads writing one log at once; a log replaced while
/// a datapath thread still holds a ring; and a cancelled migration (LOG_ALL off again), after which nothing is marked
/// and traffic goes on. The check is by content: every guest page that changed is marked.
/// </summary>
public sealed class DirtyLogPathTests
{
    private static readonly byte[][] Frames = [PortRig.Frame(1, 60), PortRig.Frame(2, 1500), PortRig.Frame(3, 5000)];

    [Theory]
    [InlineData(false, true, true)]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    public void Every_page_the_switch_writes_is_marked(bool packed, bool mergeable, bool zeroCopy)
    {
        using var rig = new PortRig(zeroCopy: zeroCopy);
        using var guest = rig.Connect();
        guest.PackedRings = packed;
        ulong features = FakeFrontend.LinuxGuestFeatures | R.FeatureLogAll;
        guest.NegotiateLikeQemu(features: mergeable ? features : features & ~R.FeatureMrgRxbuf);
        rig.WaitForState(PortState.Up);
        using var log = new DirtyLogRig(guest);
        log.Hand();
        Assert.True(rig.Port.GetStatus().DirtyLogging);

        // Switch to guest: frame data, headers (num_buffers) and the used ring (split) or descriptor ring (packed).
        guest.Ring(0).PostReceiveBuffers(mergeable ? 16 : 4, slotsPerChain: mergeable ? 1 : 3);
        byte[][] before = log.Snapshot();
        rig.Send(0, Frames);
        Assert.InRange(log.AssertChangedPagesMarked(before), 3, 64);
        Assert.Equal(Frames, guest.Ring(0).ReceiveFrames(mergeable: mergeable));

        // Guest to switch: only the used ring (or the used descriptors) is written, zero-copy or not.
        foreach (byte[] frame in Frames)
        {
            guest.Ring(1).Transmit(frame);
        }
        before = log.Snapshot();
        Assert.Equal(Frames, rig.Receive(0, Frames.Length));
        Assert.InRange(log.AssertChangedPagesMarked(before), 1, 4);
        Assert.Equal(log.MarkedPages(), rig.Port.GetStatus().DirtyPagesMarked);
    }

    [Fact]
    public void Two_datapath_threads_writing_one_log_lose_no_page_and_no_count()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(queuePairs: 2, features: FakeFrontend.LinuxGuestFeatures | R.FeatureLogAll);
        PortRig.WaitFor(() => rig.Port.TxQueueCount == 2, "two queue pairs");
        using var log = new DirtyLogRig(guest);
        log.Hand();
        const int PerThread = 192;
        guest.Ring(0).PostReceiveBuffers(PerThread);
        guest.Ring(2).PostReceiveBuffers(PerThread);
        byte[][] before = log.Snapshot();

        using var start = new Barrier(2);
        var threads = new Thread[2];
        for (int q = 0; q < 2; q++)
        {
            int queue = q;
            threads[q] = new Thread(() => SendFrames(rig.Port, queue, PerThread, start));
            threads[q].Start();
        }
        foreach (Thread t in threads)
        {
            Assert.True(t.Join(PortRig.Timeout), "a sender thread did not finish");
        }

        Assert.Equal(PerThread, guest.Ring(0).ReceiveFrames(mergeable: true).Count);
        Assert.Equal(PerThread, guest.Ring(2).ReceiveFrames(mergeable: true).Count);
        Assert.InRange(log.AssertChangedPagesMarked(before), 2 * PerThread / 2, 4 * PerThread);
        Assert.Equal(log.MarkedPages(), rig.Port.GetStatus().DirtyPagesMarked);
    }

    [Fact]
    public void A_log_replaced_while_a_ring_is_held_stays_mapped_until_the_ring_is_let_go()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | R.FeatureLogAll);
        rig.WaitForState(PortState.Up);
        using var first = new DirtyLogRig(guest);
        first.Hand();
        FakeFrontendRing tx = guest.Ring(1);
        ulong usedPage = tx.Driver.UsedRing.Value;
        tx.Transmit(PortRig.Frame(1, 200));
        Assert.Equal(1, rig.Port.Receive(0, rig.Batch));   // the ring is held until CompleteReceive
        first.Clear();

        using var second = new DirtyLogRig(guest);
        guest.Send(R.SetLogBase, LogPayload(second.Bytes), [second.Memory.Fd]);
        // The session waits for the held ring before it lets the first log go (and before it replies).
        Assert.False(guest.TryReadReply(TimeSpan.FromMilliseconds(300), out _), "the log was replaced under a held ring");

        rig.Batch.FreeAll();
        rig.Port.CompleteReceive(0);
        // The completion used the snapshot of the held receive: its used-ring write went to the first log, still mapped.
        Assert.True(first.IsDirty(usedPage), "the held ring's completion was not marked in the log it started with");
        Assert.Equal(0UL, guest.ReadReply().U64);
        Assert.Equal((ulong)second.Bytes, rig.Port.GetStatus().DirtyLogBytes);
        Assert.True(rig.Log.Contains($"; replaces a log of {first.Bytes} bytes"));

        first.Clear();
        tx.Transmit(PortRig.Frame(2, 200));
        Assert.Single(rig.Receive(0, 1));
        Assert.True(second.IsDirty(usedPage));
        Assert.Equal(0, first.MarkedPages());
    }

    [Fact]
    public void A_cancelled_migration_stops_logging_and_keeps_forwarding()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        ulong features = guest.AckedFeatures;
        using var log = new DirtyLogRig(guest);
        // Migration starts as QEMU starts it: log, LOG_ALL, ring addresses with the log flag and address.
        log.Hand();
        guest.SetFeatures(features | R.FeatureLogAll);
        foreach (uint i in new uint[] { 0, 1 })
        {
            guest.SetVringAddr(guest.Ring(i), flags: 1, log: guest.Ring(i).Driver.UsedRing.Value);
        }
        _ = guest.GetFeatures();   // a round trip: the requests above were applied
        Assert.True(rig.Port.GetStatus().DirtyLogging);
        RoundTrip(rig, guest, 1);
        long marked = rig.Port.GetStatus().DirtyPagesMarked;
        Assert.True(marked > 0);

        // Cancelled: LOG_ALL off, addresses without the log flag; QEMU keeps the log mapped.
        guest.SetFeatures(features);
        foreach (uint i in new uint[] { 0, 1 })
        {
            guest.SetVringAddr(guest.Ring(i));
        }
        _ = guest.GetFeatures();
        Assert.False(rig.Port.GetStatus().DirtyLogging);
        Assert.True(rig.Log.Contains($"dirty logging off (LOG_ALL cleared; {marked} pages marked so far)"));
        log.Clear();

        RoundTrip(rig, guest, 10);
        Assert.Equal(0, log.MarkedPages());
        Assert.Equal(marked, rig.Port.GetStatus().DirtyPagesMarked);
        Assert.Equal(PortState.Up, rig.Port.State);
    }

    [Fact]
    public void With_two_queue_pairs_the_first_vhost_device_turning_logging_on_covers_the_rings_of_the_second()
    {
        // QEMU drives one vhost device per queue pair over the connection, and starts logging one device after the
        // other: SET_LOG_BASE, SET_FEATURES with LOG_ALL (waiting for the ack), the device's ring addresses with the log
        // flag; then the next device, with the same log. The switch logs per port: once the first device's LOG_ALL is
        // acked, the second pair's rings already log, before their own requests; the second SET_LOG_BASE (the same
        // shared memory mapped again) loses nothing.
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(queuePairs: 2);
        PortRig.WaitFor(() => rig.Port.TxQueueCount == 2 && rig.Port.RxQueueCount == 2, "two queue pairs");
        guest.UseReplyAck = true;   // every request below waits for its ack, as QEMU waits for LOG_ALL and the log flag
        ulong features = guest.AckedFeatures | R.FeatureLogAll;
        using var log = new DirtyLogRig(guest);

        log.Hand();
        guest.SetFeatures(features);
        foreach (uint i in new uint[] { 0, 1 })
        {
            guest.SetVringAddr(guest.Ring(i), flags: 1, log: guest.Ring(i).Driver.UsedRing.Value);
        }
        Assert.InRange(MarkedRoundTrip(rig, guest, log, 1, pair: 1), 2, 16);

        log.Hand();
        guest.SetFeatures(features);
        foreach (uint i in new uint[] { 2, 3 })
        {
            guest.SetVringAddr(guest.Ring(i), flags: 1, log: guest.Ring(i).Driver.UsedRing.Value);
        }
        log.Clear();
        Assert.InRange(MarkedRoundTrip(rig, guest, log, 3, pair: 0), 2, 16);
        Assert.InRange(MarkedRoundTrip(rig, guest, log, 5, pair: 1), 2, 16);
        Assert.True(rig.Port.GetStatus().DirtyLogging);
    }

    /// <summary>
    /// Frames both ways through queue pair <paramref name="pair"/>, with every guest page the switch changes checked to
    /// be marked (the fake guest's own writes come before the snapshot, its reads after the check). Returns the pages
    /// the switch changed.
    /// </summary>
    private static int MarkedRoundTrip(PortRig rig, FakeFrontend guest, DirtyLogRig log, int seq, int pair)
    {
        byte[][] frames = [PortRig.Frame(seq, 300), PortRig.Frame(seq + 1, 1400)];
        uint rx = (uint)(2 * pair), tx = rx + 1;
        foreach (byte[] f in frames)
        {
            guest.Ring(tx).Transmit(f);
        }
        guest.Ring(rx).PostReceiveBuffers(frames.Length);
        byte[][] before = log.Snapshot();
        Assert.Equal(frames, rig.Receive(pair, frames.Length));
        rig.Send(pair, frames);
        int changed = log.AssertChangedPagesMarked(before);
        Assert.Equal(frames, guest.Ring(rx).ReceiveFrames(mergeable: true));
        return changed;
    }

    /// <summary>Frames both ways through the port; all of them must arrive.</summary>
    private static void RoundTrip(PortRig rig, FakeFrontend guest, int seq)
    {
        byte[][] frames = [PortRig.Frame(seq, 300), PortRig.Frame(seq + 1, 1400)];
        foreach (byte[] f in frames)
        {
            guest.Ring(1).Transmit(f);
        }
        Assert.Equal(frames, rig.Receive(0, frames.Length));
        guest.Ring(0).PostReceiveBuffers(frames.Length);
        rig.Send(0, frames);
        Assert.Equal(frames, guest.Ring(0).ReceiveFrames(mergeable: true));
    }

    /// <summary>One datapath thread's sends: its own pool and batch, batches of 8, all started together.</summary>
    private static void SendFrames(VhostUserPort port, int queue, int count, Barrier start)
    {
        using var pool = new PacketPool(64);
        var batch = new PacketBatch();
        start.SignalAndWait();
        for (int i = 0; i < count; i++)
        {
            Assert.True(pool.TryRent(out PacketBuffer? p));
            Assert.True(p.TryCopyFrom(PortRig.Frame((queue * 1000) + i, 1000)));
            batch.TryAdd(p);
            if (batch.Count == 8 || i == count - 1)
            {
                port.Send(queue, batch);
            }
        }
    }

    private static byte[] LogPayload(int size)
    {
        byte[] payload = new byte[16];
        BitConverter.TryWriteBytes(payload, (ulong)size);
        return payload;
    }
}
