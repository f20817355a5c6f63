using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// The port across connections: disconnects, a second front-end, resuming from saved ring bases, client mode with
/// reconnects, socket file permissions, disposal, and a datapath that never lets go of a ring.
/// </summary>
public sealed class LifecycleTests
{
    [Fact]
    public void Disconnect_leaves_the_port_waiting_and_the_next_front_end_starts_fresh()
    {
        using var rig = new PortRig();
        Assert.Equal(PortState.Waiting, WaitAndGet(rig, PortState.Waiting));
        using (var first = rig.Connect())
        {
            first.NegotiateLikeQemu();
            rig.WaitForState(PortState.Up);
            first.Ring(1).Transmit(PortRig.Frame(1));
            Assert.Single(rig.Receive(0, 1));
        }
        rig.WaitForState(PortState.Waiting);
        Assert.Equal(0, rig.Port.RxQueueCount);
        Assert.Equal(0, rig.Port.GetStatus().MemoryRegions);
        Assert.Empty(rig.Port.GetStatus().AckedFeatures);

        using var second = rig.Connect();
        second.NegotiateLikeDpdk();
        rig.WaitForState(PortState.Up);
        second.Ring(1).Transmit(PortRig.Frame(2));
        Assert.Equal(PortRig.Frame(2), Assert.Single(rig.Receive(0, 1)));
        Assert.Equal(2, rig.Port.GetStatus().ConnectCount);
        VhostUserPortEventKind[] kinds = [.. rig.Events.Select(e => e.Kind)];
        Assert.Equal(2, kinds.Count(k => k == VhostUserPortEventKind.Connected));
        Assert.Contains(VhostUserPortEventKind.Disconnected, kinds);
        Assert.Contains(VhostUserPortEventKind.RingStarted, kinds);
    }

    [Fact]
    public void Second_front_end_waits_until_the_first_leaves()
    {
        using var rig = new PortRig();
        using var first = rig.Connect();
        first.NegotiateLikeQemu();
        using var second = rig.Connect();
        second.Send(FakeFrontendRequest.GetFeatures);
        Assert.False(second.TryReadReply(TimeSpan.FromMilliseconds(300), out _));
        first.Disconnect();
        Assert.Equal(FakeFrontendRequest.GetFeatures, second.ReadReply().Request);
    }

    [Fact]
    public void Reconnecting_front_end_resumes_from_its_ring_bases()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        for (int i = 0; i < 3; i++)
        {
            guest.Ring(1).Transmit(PortRig.Frame(i));
        }
        Assert.Equal(3, rig.Receive(0, 3).Count);
        guest.Ring(0).PostReceiveBuffers(4);
        rig.Send(0, [PortRig.Frame(10), PortRig.Frame(11)]);
        Assert.Equal(2, guest.Ring(0).ReceiveFrames(mergeable: true).Count);

        // The back-end goes away and comes back (here: the connection); the guest's rings stay where they were.
        guest.Disconnect();
        rig.WaitForState(PortState.Waiting);
        guest.Reconnect(rig.SocketPath);
        guest.NegotiateLikeQemu(vringBases: [2, 3]);
        rig.WaitForState(PortState.Up);
        guest.Ring(1).Transmit(PortRig.Frame(3));
        Assert.Equal(PortRig.Frame(3), Assert.Single(rig.Receive(0, 1)));
        rig.Send(0, [PortRig.Frame(12)]);
        Assert.Equal(PortRig.Frame(12), Assert.Single(guest.Ring(0).ReceiveFrames(mergeable: true)));
        Assert.Equal(4u, guest.GetVringBase(1));
        Assert.Equal(3u, guest.GetVringBase(0));
    }

    [Fact]
    public void Client_mode_keeps_connecting_and_reconnects_after_the_front_end_drops()
    {
        using var rig = new PortRig(VhostUserMode.Client);
        Thread.Sleep(250);
        Assert.Equal(PortState.Waiting, rig.Port.State);
        Assert.False(File.Exists(rig.SocketPath));

        using var listener = new FakeFrontendListener(rig.SocketPath);
        using FakeFrontend guest = listener.Accept(PortRig.Timeout);
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        guest.Ring(1).Transmit(PortRig.Frame(1));
        Assert.Single(rig.Receive(0, 1));

        guest.Disconnect();
        listener.AcceptInto(guest, PortRig.Timeout);
        guest.NegotiateLikeQemu(vringBases: [0, 1]);
        rig.WaitForState(PortState.Up);
        guest.Ring(1).Transmit(PortRig.Frame(2));
        Assert.Equal(PortRig.Frame(2), Assert.Single(rig.Receive(0, 1)));
        Assert.Equal(2, rig.Port.GetStatus().ConnectCount);
        Assert.Equal(VhostUserMode.Client, rig.Port.GetStatus().Mode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Server_socket_gets_the_configured_mode_replaces_a_stale_file_and_is_removed_on_dispose()
    {
        string dir = Directory.CreateTempSubdirectory("vsw-vu-").FullName;
        string path = Path.Combine(dir, "stale.sock");
        File.WriteAllText(path, "left over");
        var options = new VhostUserPortOptions { Name = "p", SocketPath = path, SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var port = VhostUserPort.Create(options, new PortId(1), new ListLogger()))
        {
            port.Start();
            PortRig.WaitFor(() => port.State == PortState.Waiting && CanConnect(path), "listening");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        Assert.False(File.Exists(path));
        using var rig = new PortRig();
        PortRig.WaitFor(() => File.Exists(rig.SocketPath), "socket");
        Assert.Equal(VhostUserPortOptions.DefaultSocketMode, File.GetUnixFileMode(rig.SocketPath));
        Directory.Delete(dir);
    }

    [Fact]
    public void Dispose_with_a_front_end_connected_closes_every_fd_and_the_connection()
    {
        var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        using var probe = FakeFrontendFdProbe.EventFd();
        guest.SetVringErr(1, probe.Fd);
        guest.GetFeatures();
        rig.Dispose();
        Assert.Equal(PortState.Down, rig.Port.State);
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
        Assert.True(guest.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Datapath_that_never_completes_keeps_its_guest_memory_mapped()
    {
        using var rig = new PortRig(configure: o => o with { QuiesceTimeout = TimeSpan.FromMilliseconds(300) });
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        guest.Ring(1).Transmit(PortRig.Frame(1, 200));
        PortRig.WaitFor(() => rig.Port.Receive(0, rig.Batch) > 0, "a receive");
        PacketBuffer lent = rig.Batch[0];
        Assert.True(lent.IsExternal);

        guest.Disconnect();
        rig.WaitForState(PortState.Waiting);
        PortRig.WaitFor(() => rig.Log.Contains("still in use"), "the 'still in use' log line");
        // The session gave up on the ring instead of unmapping under it: the lent bytes are still readable.
        Assert.Equal(PortRig.Frame(1, 200), lent.Span.ToArray());
        rig.Batch.FreeAll();
        rig.Port.CompleteReceive(0);

        using var next = rig.Connect();
        next.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        next.Ring(1).Transmit(PortRig.Frame(2));
        Assert.Equal(PortRig.Frame(2), Assert.Single(rig.Receive(0, 1)));
    }

    [Fact]
    public void Senders_on_many_threads_share_one_guest_queue_without_mixing_frames()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.CreateRing(0, size: 1024);
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        guest.Ring(0).PostReceiveBuffers(1000);
        const int Threads = 4, PerThread = 250;
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var pool = new PacketPool(64);
            var batch = new PacketBatch();
            for (int i = 0; i < PerThread; i++)
            {
                pool.TryRent(out PacketBuffer? p);
                p!.TryCopyFrom(PortRig.Frame((t * PerThread) + i, 64 + i));
                batch.TryAdd(p);
                if (batch.Count == 8 || i == PerThread - 1)
                {
                    // Thread t sends on queue t: queues past the active ones map onto them.
                    rig.Port.Send(t, batch);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        List<byte[]> frames = guest.Ring(0).ReceiveFrames(mergeable: true);
        Assert.Equal(Threads * PerThread, frames.Count);
        var expected = Enumerable.Range(0, Threads * PerThread).Select(n => PortRig.Frame(n, 64 + (n % PerThread)));
        Assert.Equal(expected.Select(Convert.ToBase64String).Order(), frames.Select(Convert.ToBase64String).Order());
        Assert.Equal(Threads * PerThread, rig.Port.Stats.Tx[0].Packets);
    }

    [Fact]
    public void Throwing_event_handler_does_not_end_the_session()
    {
        using var rig = new PortRig();
        rig.Port.StateChanged += (_, _) => throw new InvalidOperationException("subscriber bug");
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        guest.Ring(1).Transmit(PortRig.Frame(1));
        Assert.Single(rig.Receive(0, 1));
        Assert.Equal(1, rig.Port.GetStatus().ConnectCount);
        // The handler runs (and fails) on the session thread after the state became visible here.
        PortRig.WaitFor(() => rig.Log.Contains("handler failed"), "the 'handler failed' log line");
    }

    [Fact]
    public void Create_refuses_options_out_of_range()
    {
        var ok = new VhostUserPortOptions { Name = "p", SocketPath = "/tmp/p.sock" };
        var logger = new ListLogger();
        Assert.Throws<ArgumentException>(() => VhostUserPort.Create(ok with { MaxQueuePairs = 0 }, new PortId(1), logger));
        Assert.Throws<ArgumentException>(() => VhostUserPort.Create(ok with { MaxQueuePairs = 129 }, new PortId(1), logger));
        Assert.Throws<ArgumentException>(() => VhostUserPort.Create(ok with { SocketPath = "/" + new string('a', 107) }, new PortId(1), logger));
        Assert.Throws<ArgumentException>(() => VhostUserPort.Create(ok with { RxPoolSize = 8 }, new PortId(1), logger));
        using VhostUserPort port = VhostUserPort.Create(ok, new PortId(1), logger);
        Assert.Equal(PortState.Down, port.State);
        Assert.Equal(8, port.Stats.Rx.Length);
    }

    private static PortState WaitAndGet(PortRig rig, PortState state)
    {
        rig.WaitForState(state);
        return rig.Port.State;
    }

    private static bool CanConnect(string path)
    {
        try
        {
            using FakeFrontend probe = FakeFrontend.Connect(path, TimeSpan.Zero);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
