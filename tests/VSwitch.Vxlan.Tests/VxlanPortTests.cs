using System.Net;
using System.Net.Sockets;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Ports.Vxlan;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>Two VXLAN ports through the kernel's UDP stack: what goes in one comes out of the other, and how.</summary>
[Collection(VxlanCollection.Name)]
public sealed class VxlanPortTests
{
    [Fact]
    public void Frames_of_every_size_and_many_flows_arrive_whole_in_flow_order_with_the_receiving_port_as_in_port()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        var sent = new List<byte[]>();
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            sent.Add(VxlanRig.Frame(random.Next(20), random.Next(60, 1465), i));
        }
        rig.Send(a, sent);
        var got = VxlanRig.Receive(b, sent.Count);
        Assert.Equal(sent.Count, got.Count);
        Assert.All(got, g => Assert.Equal(b.Id, g.InPort));
        // Flows may interleave differently (they go through different sockets), but each flow keeps its order.
        for (int flow = 0; flow < 20; flow++)
        {
            ushort port = (ushort)(10_000 + flow);
            Assert.Equal(sent.Where(f => SrcPort(f) == port), got.Select(g => g.Frame).Where(f => SrcPort(f) == port));
        }
        Assert.Equal(300, a.Stats.Tx[0].Packets);
        Assert.Equal(sent.Sum(f => (long)f.Length), a.Stats.Tx[0].Bytes);
        Assert.Equal(300, b.Stats.Rx[0].Packets);
        Assert.Equal(0, a.Stats.Tx[0].Drops.Total + b.Stats.Rx[0].Drops.Total);
        Assert.Equal(b.RxPool.Count, b.RxPool.Available);
    }

    [Fact]
    public void A_run_of_equal_frames_leaves_segmented_arrives_coalesced_and_is_cut_back_into_the_same_frames()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        VxlanPortStatus status = rig.Namespace.Run(b.GetStatus);
        Assert.True(rig.Namespace.Run(a.GetStatus).Gso, "the kernel has UDP_SEGMENT (Linux 4.18+)");
        Assert.True(status.Gro, "the kernel has UDP_GRO (Linux 5.0+)");
        byte[][] frames = [.. Enumerable.Range(0, 32).Select(i => VxlanRig.Frame(flow: 1, size: 1464, seq: i))];
        rig.Send(a, frames);
        var got = VxlanRig.Receive(b, 32);
        Assert.Equal(frames, got.Select(g => g.Frame));
        Assert.True(rig.Namespace.Run(b.GetStatus).Datagrams < 32, "32 equal frames of one flow should arrive in fewer than 32 reads");
    }

    [Fact]
    public void Packets_beyond_one_batch_stay_pending_and_their_slot_is_not_reused_before_they_are_handed_out()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        byte[][] first = [.. Enumerable.Range(0, 32).Select(i => VxlanRig.Frame(1, 1000, i))];
        byte[][] second = [.. Enumerable.Range(32, 20).Select(i => VxlanRig.Frame(1, 1000, i))];
        rig.Send(a, first);
        rig.Send(a, second);
        // Whatever the kernel coalesced, all 52 arrive in order, none overwritten by a later read.
        var got = VxlanRig.Receive(b, 52);
        Assert.Equal(first.Concat(second), got.Select(g => g.Frame));
    }

    [Fact]
    public void One_flow_leaves_from_one_source_port_and_many_flows_spread_over_the_ports_sockets()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        Socket remote = rig.Udp(VxlanRig.B, VxlanHeader.DefaultPort);
        remote.ReceiveTimeout = 5_000;
        var flowPorts = new Dictionary<int, HashSet<int>>();
        var buffer = new byte[2048];
        for (int round = 0; round < 3; round++)
        {
            rig.Send(a, Enumerable.Range(0, 64).Select(flow => VxlanRig.Frame(flow, 100, round)));
            for (int i = 0; i < 64; i++)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n = remote.ReceiveFrom(buffer, ref from);
                Assert.Equal(VxlanHeader.Size + 100, n);
                int flow = SrcPort(buffer.AsSpan(VxlanHeader.Size, 100).ToArray()) - 10_000;
                (flowPorts.TryGetValue(flow, out var set) ? set : flowPorts[flow] = []).Add(((IPEndPoint)from).Port);
            }
        }
        Assert.All(flowPorts.Values, ports => Assert.Single(ports));
        int distinct = flowPorts.Values.Select(p => p.Single()).Distinct().Count();
        IReadOnlyList<ushort> own = rig.Namespace.Run(a.GetStatus).SourcePorts;
        Assert.Equal(VxlanPortOptions.DefaultSourcePorts, own.Distinct().Count());
        Assert.True(distinct >= 6, $"64 flows used only {distinct} of 8 source ports");
        Assert.All(flowPorts.Values, p => Assert.Contains((ushort)p.Single(), own));
    }

    [Fact]
    public void The_outer_header_carries_the_ttl_the_df_bit_and_a_udp_checksum()
    {
        using var rig = new VxlanRig();
        Socket raw = rig.RawUdp();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B, change: o => o with { Ttl = 17, DontFragment = true });
        VxlanPort c = rig.Open(3, VxlanRig.A, "127.0.0.3", change: o => o with { Ttl = 99, DontFragment = false });
        rig.Send(a, [VxlanRig.Frame(1, 200, 0)]);
        byte[] ip = ReceiveTo(raw, VxlanRig.B);
        Assert.Equal(17, ip[8]);
        Assert.Equal(0x40, ip[6] & 0x40);
        Assert.Equal(VxlanHeader.DefaultPort, (ip[22] << 8) | ip[23]);
        Assert.NotEqual(0, (ip[26] << 8) | ip[27]);
        Assert.Equal(new byte[] { 0x08, 0, 0, 0, 0, 0, 42, 0 }, ip[28..36]);
        rig.Send(c, [VxlanRig.Frame(1, 200, 0)]);
        ip = ReceiveTo(raw, "127.0.0.3");
        Assert.Equal(99, ip[8]);
        Assert.Equal(0, ip[6] & 0x40);
    }

    [Fact]
    public void Frames_beyond_the_overlay_mtu_are_dropped_as_too_big_and_runts_as_runts()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B, change: o => o with { Mtu = 1000 });
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        rig.Send(a, [VxlanRig.Frame(1, 1014, 0), VxlanRig.Frame(1, 1015, 1), PacketFactory.WithVlan(VxlanRig.Frame(1, 1014, 2), 5),
            PacketFactory.WithVlan(VxlanRig.Frame(1, 1015, 3), 5), new byte[13]]);
        Assert.Equal(2, VxlanRig.Drain(b));
        Assert.Equal(2, a.Stats.Tx[0].Drops[DropReason.TunnelTooBig]);
        Assert.Equal(1, a.Stats.Tx[0].Drops[DropReason.RxRunt]);
        a.SetMtu(1001);
        rig.Send(a, [VxlanRig.Frame(1, 1015, 4)]);
        Assert.Equal(1, VxlanRig.Drain(b));
    }

    [Fact]
    public void The_default_overlay_mtu_is_the_route_mtu_less_50_and_with_df_a_frame_beyond_the_path_mtu_is_too_big()
    {
        using var rig = new VxlanRig(loopbackMtu: 1500);
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        Assert.Equal(1450, a.Mtu);
        VxlanPort big = rig.Open(3, VxlanRig.A, "127.0.0.3", change: o => o with { Mtu = 9000 });
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        rig.Send(a, [VxlanRig.Frame(1, 1464, 0)]);
        Assert.Equal(1, VxlanRig.Drain(b));
        rig.Send(big, [VxlanRig.Frame(1, 1464, 0), VxlanRig.Frame(1, 1465, 1), VxlanRig.Frame(2, 3000, 2)]);
        Assert.Equal(2, big.Stats.Tx[0].Drops[DropReason.TunnelTooBig]);
        Assert.Equal(1, big.Stats.Tx[0].Packets);
    }

    [Fact]
    public void Without_df_the_kernel_fragments_and_the_receiver_drops_the_reassembled_datagram_as_fragments()
    {
        using var rig = new VxlanRig(loopbackMtu: 1500);
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B, change: o => o with { Mtu = 9000, DontFragment = false });
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        rig.Send(a, [VxlanRig.Frame(1, 3000, 0), VxlanRig.Frame(1, 3000, 1), VxlanRig.Frame(1, 1000, 2)]);
        var got = VxlanRig.Receive(b, 1);
        Assert.Single(got);
        Assert.Equal(1000, got[0].Frame.Length);
        Assert.Equal(3, a.Stats.Tx[0].Packets);
        Assert.Equal(2, b.Stats.Rx[0].Drops[DropReason.TunnelFragment]);
    }

    [Fact]
    public void Hostile_datagrams_are_dropped_each_with_its_named_reason_and_the_port_keeps_working()
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        Socket fromA = rig.Udp(VxlanRig.A);
        Socket stranger = rig.Udp("127.0.0.9");
        byte[] frame = VxlanRig.Frame(1, 100, 0);
        byte[] badI = VxlanRig.Datagram(42, frame);
        badI[0] = 0;
        byte[] reservedFlag = VxlanRig.Datagram(42, frame);
        reservedFlag[1] = 1;
        byte[] reservedVniByte = VxlanRig.Datagram(42, frame);
        reservedVniByte[7] = 1;
        VxlanRig.SendDatagram(fromA, VxlanRig.B, [0x08, 0, 0]);                         // shorter than a header
        VxlanRig.SendDatagram(fromA, VxlanRig.B, VxlanRig.Datagram(42, []));              // a header and nothing
        VxlanRig.SendDatagram(fromA, VxlanRig.B, VxlanRig.Datagram(42, frame[..13]));    // a frame cut short
        VxlanRig.SendDatagram(fromA, VxlanRig.B, badI);
        VxlanRig.SendDatagram(fromA, VxlanRig.B, reservedFlag);
        VxlanRig.SendDatagram(fromA, VxlanRig.B, reservedVniByte);
        VxlanRig.SendDatagram(fromA, VxlanRig.B, VxlanRig.Datagram(43, frame));          // not our VNI
        VxlanRig.SendDatagram(stranger, VxlanRig.B, VxlanRig.Datagram(42, frame));       // not our remote
        VxlanRig.SendDatagram(fromA, VxlanRig.B, VxlanRig.Datagram(42, new byte[20_000])); // larger than any buffer
        VxlanRig.SendDatagram(fromA, VxlanRig.B, VxlanRig.Datagram(42, frame));          // and then a good one
        var got = VxlanRig.Receive(b, 1);
        Assert.Equal(frame, Assert.Single(got).Frame);
        Assert.Equal(0, VxlanRig.Drain(b));
        DropCounters drops = b.Stats.Rx[0].Drops;
        Assert.Equal(3, drops[DropReason.TunnelTruncated]);
        Assert.Equal(3, drops[DropReason.TunnelBadHeader]);
        Assert.Equal(1, drops[DropReason.TunnelBadVni]);
        Assert.Equal(1, drops[DropReason.TunnelUnknownRemote]);
        Assert.Equal(1, drops[DropReason.TunnelTooBig]);
        Assert.Equal(9, drops.Total);
        Assert.Equal(1, b.Stats.Rx[0].Packets);
        Assert.Equal(b.RxPool.Count, b.RxPool.Available);
    }

    [Fact]
    public void The_wake_fd_is_the_shared_sockets_and_arming_reports_waiting_datagrams()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        Assert.True(b.TryGetRxWakeFd(0, out int fd));
        Assert.True(fd >= 0);
        Assert.False(b.SetRxWakeup(0, armed: true));
        rig.Send(a, [VxlanRig.Frame(1, 100, 0)]);
        SpinWait.SpinUntil(() => b.SetRxWakeup(0, armed: true), 5_000);
        Assert.True(b.SetRxWakeup(0, armed: true));
        Assert.False(b.SetRxWakeup(0, armed: false));
        Assert.Single(VxlanRig.Receive(b, 1));
        Assert.False(b.SetRxWakeup(0, armed: true));
    }

    [Fact]
    public void Sending_and_receiving_allocate_nothing_per_batch()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        var pool = new PacketPool(64, 2048);
        var tx = new PacketBatch();
        var rx = new PacketBatch();
        byte[][] frames = [.. Enumerable.Range(0, 32).Select(i => VxlanRig.Frame(i % 4, i % 2 == 0 ? 1000 : 200, i))];
        int received = 0;
        void Round()
        {
            foreach (byte[] f in frames)
            {
                pool.TryRent(out PacketBuffer? p);
                p!.TryCopyFrom(f);
                tx.TryAdd(p);
            }
            a.Send(0, tx);
            for (int spins = 0; spins < 100_000 && received < 32; spins++)
            {
                int n = b.Receive(0, rx);
                received += n;
                rx.FreeAll();
                if (n > 0)
                {
                    b.CompleteReceive(0);
                }
            }
            received = 0;
        }
        Round();
        long bytes = Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                Round();
            }
        });
        Assert.Equal(0, bytes);
    }

    private static byte[] ReceiveTo(Socket raw, string destination)
    {
        var buffer = new byte[65536];
        while (true)
        {
            int n = raw.Receive(buffer);
            byte[] ip = buffer[..n];
            if (new IPAddress(ip[16..20]).ToString() == destination)
            {
                return ip;
            }
        }
    }

    private static int SrcPort(byte[] frame) => (frame[34] << 8) | frame[35];
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class VxlanCollection
{
    public const string Name = "vxlan sockets";
}
