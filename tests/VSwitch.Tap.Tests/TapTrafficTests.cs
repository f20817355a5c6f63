using System.Runtime.InteropServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Tap;
using VSwitch.TestKit;

using Xunit;

namespace VSwitch.Tap.Tests;

/// <summary>Frames both ways between a <see cref="TapPort"/> and a real kernel in a namespace of its own.</summary>
[Collection(TapCollection.Name)]
public sealed class TapTrafficTests
{
    [Fact]
    public void The_kernel_answers_arp_and_ping_sent_through_the_port_in_another_namespace()
    {
        using var peer = new TapPeer();
        peer.Send(0, PacketFactory.Arp(senderIp: TapPeer.OurIp, targetIp: TapPeer.KernelIp, senderMac: Frames.OurMac));
        List<byte[]> arp = peer.ReceiveUntil(f => Frames.IsArpReply(f, out _), 1);
        Assert.Single(arp);
        Assert.True(Frames.IsArpReply(arp[0], out MacAddress kernelMac));
        Assert.Equal(peer.KernelMac, kernelMac);

        for (ushort seq = 0; seq < 10; seq++)
        {
            peer.Send(0, Frames.EchoRequest(peer.KernelMac, TapPeer.OurIp, TapPeer.KernelIp, 7, seq));
        }
        Assert.Equal(10, peer.ReceiveUntil(Frames.IsEchoReply, 10).Count);

        Assert.Equal(11, peer.Port.Stats.Tx[0].Packets);
        Assert.True(peer.Port.Stats.Rx[0].Packets >= 11);
        Assert.Equal(0, peer.Port.Stats.Tx[0].Drops.Total);
        Assert.True(long.Parse(peer.Namespace.ReadSys($"/sys/class/net/{peer.IfName}/statistics/rx_packets")) >= 11);

        TapPortStatus s = peer.Port.GetStatus();
        Assert.True(s.OtherNamespace);
        Assert.Equal(PortState.Up, s.State);
        Assert.Equal(int.Parse(peer.Namespace.ReadSys($"/sys/class/net/{peer.IfName}/ifindex")), s.IfIndex);
    }

    [Fact]
    public void Link_state_is_followed_in_the_other_namespace()
    {
        using var peer = new TapPeer();
        Assert.Equal(PortState.Up, peer.Port.GetStatus().State);
        _ = peer.Namespace.Exec(10_000, "ip", "link", "set", peer.IfName, "down");
        Assert.Equal(PortState.Down, peer.Port.GetStatus().State);
    }

    [Fact]
    public void Every_queue_of_a_multi_queue_port_sends_and_the_replies_arrive_on_some_queue()
    {
        using var peer = new TapPeer(queues: 4);
        peer.Send(0, PacketFactory.Arp(senderIp: TapPeer.OurIp, targetIp: TapPeer.KernelIp, senderMac: Frames.OurMac));
        Assert.Single(peer.ReceiveUntil(f => Frames.IsArpReply(f, out _), 1));
        for (int q = 0; q < 4; q++)
        {
            for (ushort seq = 0; seq < 8; seq++)
            {
                // Different ICMP ids are different flows for the kernel's queue selection.
                peer.Send(q, Frames.EchoRequest(peer.KernelMac, TapPeer.OurIp, TapPeer.KernelIp, (ushort)(100 + q), seq));
            }
        }
        Assert.Equal(32, peer.ReceiveUntil(Frames.IsEchoReply, 32).Count);
        for (int q = 0; q < 4; q++)
        {
            Assert.Equal(q == 0 ? 9 : 8, peer.Port.Stats.Tx[q].Packets);
        }
        long received = 0;
        for (int q = 0; q < 4; q++)
        {
            received += peer.Port.Stats.Rx[q].Packets;
        }
        Assert.True(received >= 33);
    }

    [Fact]
    public void Frames_longer_than_mtu_plus_headers_are_dropped_as_too_large_and_jumbo_frames_pass_with_a_jumbo_mtu()
    {
        using var peer = new TapPeer(mtu: 9000);
        peer.Send(0, PacketFactory.Arp(senderIp: TapPeer.OurIp, targetIp: TapPeer.KernelIp, senderMac: Frames.OurMac));
        Assert.Single(peer.ReceiveUntil(f => Frames.IsArpReply(f, out _), 1));
        peer.Send(0, Frames.EchoRequest(peer.KernelMac, TapPeer.OurIp, TapPeer.KernelIp, 9, 1, payload: 8000));
        List<byte[]> replies = peer.ReceiveUntil(Frames.IsEchoReply, 1);
        Assert.Single(replies);
        Assert.Equal(14 + 20 + 8 + 8000, replies[0].Length);

        peer.Send(0, new byte[9000 + TapPort.FrameOverhead + 1]);
        Assert.Equal(1, peer.Port.Stats.Tx[0].Drops[DropReason.PacketTooLarge]);
        peer.Send(0, new byte[10]);
        Assert.Equal(1, peer.Port.Stats.Tx[0].Drops[DropReason.RxRunt]);
        Assert.Equal(256, peer.Pool.Available);
    }

    [Fact]
    public void Receive_stops_at_eagain_and_the_wake_fd_signals_without_consuming_a_frame()
    {
        using var peer = new TapPeer();
        var batch = new PacketBatch();
        Assert.True(peer.Port.TryGetRxWakeFd(0, out int wakeFd));
        DrainAll(peer);
        Assert.Equal(0, peer.Port.Receive(0, batch));
        Assert.False(peer.Port.SetRxWakeup(0, armed: true));
        Assert.False(Readable(wakeFd, 0));

        peer.Send(0, PacketFactory.Arp(senderIp: TapPeer.OurIp, targetIp: TapPeer.KernelIp, senderMac: Frames.OurMac));
        Assert.True(Readable(wakeFd, 5_000));
        Assert.True(peer.Port.SetRxWakeup(0, armed: true));
        // The sleeper only waits on wake fds; whoever reads this one reads nothing and takes no frame.
        var scratch = new byte[8];
        _ = Read(wakeFd, scratch, 8);
        Assert.Single(peer.ReceiveUntil(f => Frames.IsArpReply(f, out _), 1));
    }

    [Fact]
    public void Ten_thousand_frames_each_way_allocate_nothing()
    {
        using var peer = new TapPeer();
        peer.Send(0, PacketFactory.Arp(senderIp: TapPeer.OurIp, targetIp: TapPeer.KernelIp, senderMac: Frames.OurMac));
        Assert.Single(peer.ReceiveUntil(f => Frames.IsArpReply(f, out _), 1));
        byte[] request = Frames.EchoRequest(peer.KernelMac, TapPeer.OurIp, TapPeer.KernelIp, 42, 1);
        var tx = new PacketBatch();
        var rx = new PacketBatch();
        RoundTrips(peer, request, tx, rx, 3_000);
        long sent = 0;
        long received = 0;
        long allocated = Allocations.SteadyState(() =>
        {
            long sentBefore = peer.Port.Stats.Tx[0].Packets;
            received = RoundTrips(peer, request, tx, rx, 10_000);
            sent = peer.Port.Stats.Tx[0].Packets - sentBefore;
        });
        Assert.Equal(0, allocated);
        Assert.Equal(10_000, sent);
        Assert.True(received >= 9_000, $"only {received} replies");
        Assert.Equal(256, peer.Pool.Available);
        Assert.Equal(peer.Port.RxPool(0).Count, peer.Port.RxPool(0).Available);
    }

    [Fact]
    public void Writes_the_kernel_cannot_take_are_dropped_as_tx_queue_full_and_freed()
    {
        Prerequisite.Require(Environment.ProcessorCount >= 2, "needs two CPUs to keep frames in flight");
        using var peer = new TapPeer();
        Assert.True(peer.Port.SetSendBuffer(0, 1));
        // Frames written to a tap are processed at once on the writer's CPU. Receive packet steering to the other CPU
        // keeps them queued (and charged to the tiny send buffer) for a moment, so the kernel refuses further writes.
        _ = peer.Namespace.Exec(10_000, "sh", "-c", $"echo 2 > /sys/class/net/{peer.IfName}/queues/rx-0/rps_cpus");
        ulong saved = 0;
        Assert.Equal(0, SchedGetaffinity(0, sizeof(ulong), ref saved));
        ulong cpu0 = 1;
        Assert.Equal(0, SchedSetaffinity(0, sizeof(ulong), ref cpu0));
        try
        {
            byte[] frame = Frames.EchoRequest(peer.KernelMac, TapPeer.OurIp, TapPeer.KernelIp, 5, 1, payload: 1400);
            var batch = new PacketBatch();
            for (int round = 0; round < 20 && peer.Port.Stats.Tx[0].Drops[DropReason.TxQueueFull] == 0; round++)
            {
                for (int i = 0; i < PacketBatch.Capacity; i++)
                {
                    Assert.True(peer.Pool.TryRent(out PacketBuffer? p));
                    Assert.True(p.TryCopyFrom(frame));
                    batch.TryAdd(p);
                }
                peer.Port.Send(0, batch);
            }
        }
        finally
        {
            _ = SchedSetaffinity(0, sizeof(ulong), ref saved);
        }
        long full = peer.Port.Stats.Tx[0].Drops[DropReason.TxQueueFull];
        Assert.True(full > 0, "the kernel never refused a write");
        Assert.Equal(256, peer.Pool.Available);
        Assert.Equal(0, peer.Port.Stats.Tx[0].Errors);
    }

    private static long RoundTrips(TapPeer peer, byte[] request, PacketBatch tx, PacketBatch rx, int count)
    {
        long received = 0;
        int sent = 0;
        int idle = 0;
        while (sent < count || (received < count && idle < 2_000))
        {
            int burst = Math.Min(PacketBatch.Capacity, count - sent);
            for (int i = 0; i < burst; i++)
            {
                peer.Pool.TryRent(out PacketBuffer? p);
                p!.TryCopyFrom(request);
                tx.TryAdd(p);
            }
            peer.Port.Send(0, tx);
            sent += burst;
            int n = peer.Port.Receive(0, rx);
            received += n;
            rx.FreeAll();
            idle = n == 0 ? idle + 1 : 0;
            if (n == 0 && sent >= count)
            {
                Thread.Sleep(1);
            }
        }
        return received;
    }

    private static void DrainAll(TapPeer peer)
    {
        var batch = new PacketBatch();
        Thread.Sleep(200);
        while (peer.Port.Receive(0, batch) > 0)
        {
            batch.FreeAll();
        }
    }

    private static unsafe bool Readable(int fd, int timeoutMs)
    {
        var pfd = new PollFd { Fd = fd, Events = 1 };
        return Poll(&pfd, 1, timeoutMs) > 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", EntryPoint = "poll")]
    private static extern unsafe int Poll(PollFd* fds, nuint count, int timeoutMs);

    [DllImport("libc", EntryPoint = "sched_getaffinity")]
    private static extern int SchedGetaffinity(int pid, nint size, ref ulong mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity")]
    private static extern int SchedSetaffinity(int pid, nint size, ref ulong mask);

    [DllImport("libc", EntryPoint = "read")]
    private static extern nint Read(int fd, byte[] buffer, nint count);
}
