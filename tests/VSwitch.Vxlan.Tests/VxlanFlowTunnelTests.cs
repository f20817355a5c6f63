using System.Diagnostics;
using System.Net.Sockets;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Ports.Vxlan;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>
/// Tunnel metadata through real sockets: every vxlan port fills tun_id/tun_src/tun_dst on receive, and a flow-based
/// port (<c>remote_ip=flow</c>, <c>key=flow</c>) sends each packet with the VNI and to the remote its metadata names.
/// </summary>
[Collection(VxlanCollection.Name)]
public sealed class VxlanFlowTunnelTests
{
    private const string C = "127.0.0.3";

    [Fact]
    public void A_fixed_port_sets_the_vni_and_the_outer_addresses_as_tunnel_metadata_on_what_it_receives()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B, vni: 42);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A, vni: 42);
        rig.Send(a, [VxlanRig.Frame(1, 200, 0), VxlanRig.Frame(2, 300, 1)]);
        List<PacketTunnel> got = ReceiveTunnels(b, 2);
        Assert.Equal(2, got.Count);
        Assert.All(got, t =>
        {
            Assert.Equal(42UL, t.Id);
            Assert.Equal(VxlanRig.Ip(VxlanRig.A), t.Source);
            Assert.Equal(VxlanRig.Ip(VxlanRig.B), t.Destination);
        });
    }

    [Fact]
    public void A_flow_based_port_receives_any_remote_and_vni_and_says_which_in_the_metadata()
    {
        using var rig = new VxlanRig();
        VxlanPort flow = rig.Open(1, VxlanRig.B, remote: null, vni: null);
        Socket from3 = rig.Udp(C);
        Socket from1 = rig.Udp(VxlanRig.A);
        VxlanRig.SendDatagram(from3, VxlanRig.B, VxlanRig.Datagram(5, VxlanRig.Frame(1, 100, 0)));
        VxlanRig.SendDatagram(from1, VxlanRig.B, VxlanRig.Datagram(0xabcdef, VxlanRig.Frame(1, 100, 1)));
        List<PacketTunnel> got = ReceiveTunnels(flow, 2);
        Assert.Equal(2, got.Count);
        Assert.Contains(got, t => t.Id == 5 && t.Source == VxlanRig.Ip(C) && t.Destination == VxlanRig.Ip(VxlanRig.B));
        Assert.Contains(got, t => t.Id == 0xabcdef && t.Source == VxlanRig.Ip(VxlanRig.A));
        Assert.Equal(0, flow.Stats.Rx[0].Drops.Total);
    }

    [Fact]
    public void A_flow_based_port_sends_each_packet_with_its_tun_id_to_its_tun_dst_and_drops_one_without_a_tun_dst()
    {
        using var rig = new VxlanRig();
        VxlanPort flow = rig.Open(1, VxlanRig.A, remote: null, vni: null);
        Socket toB = rig.Udp(VxlanRig.B, VxlanHeader.DefaultPort);
        Socket toC = rig.Udp(C, VxlanHeader.DefaultPort);
        // Sixteen equal-size frames of one flow, alternating remotes and VNIs: a segmented run must not mix remotes.
        var frames = new List<(byte[] Frame, PacketTunnel Tunnel)>();
        for (int i = 0; i < 16; i++)
        {
            bool even = i % 2 == 0;
            frames.Add((VxlanRig.Frame(1, 600, i), new PacketTunnel
            {
                Id = even ? 5UL : 0x1_000007UL, // only the low 24 bits go on the wire, as in OVS
                Destination = VxlanRig.Ip(even ? VxlanRig.B : C),
            }));
        }
        frames.Add((VxlanRig.Frame(1, 600, 99), default));
        SendWithTunnels(rig, flow, frames);
        List<(uint Vni, int Seq)> atB = ReceiveDatagrams(toB, 8), atC = ReceiveDatagrams(toC, 8);
        Assert.Equal([.. Enumerable.Range(0, 8).Select(i => (5u, 2 * i))], atB);
        Assert.Equal([.. Enumerable.Range(0, 8).Select(i => (7u, (2 * i) + 1))], atC);
        Assert.Equal(16, flow.Stats.Tx[0].Packets);
        Assert.Equal(1, flow.Stats.Tx[0].Drops[DropReason.TunnelNoRemote]);
    }

    [Fact]
    public void A_flow_key_port_with_a_fixed_remote_sends_the_tun_id_and_a_fixed_key_port_ignores_it()
    {
        using var rig = new VxlanRig();
        VxlanPort flowKey = rig.Open(1, VxlanRig.A, C, vni: null);
        VxlanPort fixedKey = rig.Open(2, VxlanRig.A, VxlanRig.B, vni: 42);
        Socket toB = rig.Udp(VxlanRig.B, VxlanHeader.DefaultPort);
        Socket toC = rig.Udp(C, VxlanHeader.DefaultPort);
        var tunnel = new PacketTunnel { Id = 9, Destination = VxlanRig.Ip("127.0.0.9") };
        SendWithTunnels(rig, flowKey, [(VxlanRig.Frame(1, 100, 1), tunnel)]);
        SendWithTunnels(rig, fixedKey, [(VxlanRig.Frame(1, 100, 2), tunnel)]);
        Assert.Equal([(9u, 1)], ReceiveDatagrams(toC, 1));
        Assert.Equal([(42u, 2)], ReceiveDatagrams(toB, 1));
    }

    private static void SendWithTunnels(VxlanRig rig, VxlanPort port, IEnumerable<(byte[] Frame, PacketTunnel Tunnel)> frames)
    {
        var batch = new PacketBatch();
        foreach ((byte[] frame, PacketTunnel tunnel) in frames)
        {
            Assert.True(rig.Pool.TryRent(out PacketBuffer? p));
            Assert.True(p.TryCopyFrom(frame));
            p.Tunnel = tunnel;
            Assert.True(batch.TryAdd(p));
        }
        port.Send(0, batch);
        Assert.Equal(0, batch.Count);
    }

    /// <summary>The VNI and the frame's sequence number (its last 4 bytes) of <paramref name="count"/> datagrams, in arrival order.</summary>
    private static List<(uint Vni, int Seq)> ReceiveDatagrams(Socket socket, int count)
    {
        socket.ReceiveTimeout = 5_000;
        var got = new List<(uint, int)>();
        var buffer = new byte[65536];
        for (int i = 0; i < count; i++)
        {
            int n = socket.Receive(buffer);
            Assert.Equal(VxlanHeaderStatus.Ok, VxlanHeader.Read(buffer.AsSpan(0, n), out uint vni));
            int seq = (buffer[n - 4] << 24) | (buffer[n - 3] << 16) | (buffer[n - 2] << 8) | buffer[n - 1];
            got.Add((vni, seq));
        }
        Assert.Equal(0, socket.Available);
        return got;
    }

    /// <summary>Polls until <paramref name="wanted"/> packets came (5 s deadline); returns their tunnel metadata.</summary>
    private static List<PacketTunnel> ReceiveTunnels(VxlanPort poller, int wanted)
    {
        var got = new List<PacketTunnel>();
        var batch = new PacketBatch();
        var clock = Stopwatch.StartNew();
        while (got.Count < wanted && clock.ElapsedMilliseconds < 5_000)
        {
            if (poller.Receive(0, batch) == 0)
            {
                Thread.Sleep(1);
                continue;
            }
            for (int i = 0; i < batch.Count; i++)
            {
                got.Add(batch[i].Tunnel);
            }
            batch.FreeAll();
            poller.CompleteReceive(0);
        }
        return got;
    }
}
