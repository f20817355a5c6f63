using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Controller;
using VSwitch.Ports.Dummy;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>
/// Tunnel metadata through the datapath: what a tunnel port set on receive is matched as tun_id/tun_src/tun_dst (and
/// cached per value), set_field writes it without touching the frame, and every copy sent keeps the value it had when
/// it left. Port 3 stands for a tunnel port: a dummy port that stamps metadata on what it receives and records the
/// metadata of what it sends.
/// </summary>
public sealed class TunnelMetadataTests
{
    [Fact]
    public void Tun_id_and_tun_src_from_the_receiving_port_are_matched_per_value_even_when_cached()
    {
        var (sw, tunnel) = Switch();
        sw.AddFlow("priority=20,in_port=3,tun_id=5,tun_src=10.0.0.2,actions=output:1");
        sw.AddFlow("priority=10,in_port=3,actions=output:2");
        tunnel.Stamp = new PacketTunnel { Id = 5, Source = 0x0a00_0002, Destination = 0x0a00_0001 };
        Receive(sw, tunnel, 3);
        tunnel.Stamp = new PacketTunnel { Id = 6, Source = 0x0a00_0002, Destination = 0x0a00_0001 };
        Receive(sw, tunnel, 2);
        tunnel.Stamp = new PacketTunnel { Id = 5, Source = 0x0a00_0003, Destination = 0x0a00_0001 };
        Receive(sw, tunnel, 1);
        tunnel.Stamp = new PacketTunnel { Id = 5, Source = 0x0a00_0002, Destination = 0x0a00_0001 };
        Receive(sw, tunnel, 2);
        Assert.Equal([0, 5, 3, 0], sw.ReceivedCounts());
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Set_field_writes_the_metadata_each_output_takes_its_own_and_the_frame_is_unchanged()
    {
        var (sw, tunnel) = Switch();
        sw.AddFlow("priority=10,in_port=1,actions=set_field:5->tun_id,set_field:10.0.0.2->tun_dst,output:3,"
            + "set_field:0x77->tun_id,output:3,output:2");
        byte[] frame = Frames.Udp(1, 2);
        sw.Send(1, frame, frame);
        Assert.Equal(
            [(5UL, 0u, 0x0a00_0002u), (5UL, 0u, 0x0a00_0002u), (0x77UL, 0u, 0x0a00_0002u), (0x77UL, 0u, 0x0a00_0002u)],
            tunnel.Sent.Select(s => (s.Tunnel.Id, s.Tunnel.Source, s.Tunnel.Destination)).OrderBy(t => t.Id));
        Assert.All(tunnel.Inner.TakeSent(), s => Assert.Equal(frame, s.Frame));
        Assert.Equal([frame, frame], sw.Received(2));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_packet_in_carries_the_tunnel_metadata_the_packet_has_at_the_controller_action()
    {
        var (sw, tunnel) = Switch();
        sw.AddFlow("priority=20,in_port=3,tun_id=5,actions=controller");
        sw.AddFlow("priority=10,in_port=3,actions=set_tunnel:9,controller");
        sw.AddFlow("priority=10,in_port=1,actions=controller");
        var stamp = new PacketTunnel { Id = 5, Source = 0x0a00_0002, Destination = 0x0a00_0001 };
        tunnel.Stamp = stamp;
        Receive(sw, tunnel, 1);
        tunnel.Stamp = stamp with { Id = 6 };
        Receive(sw, tunnel, 1);
        byte[] frame = Frames.Udp(1, 2);
        sw.Send(1, frame);

        PacketInRing ring = sw.Pmd.PacketIns;
        Assert.Equal(3, ring.Count);
        Assert.True(ring.TryPeek(out PacketInRecord first, out _));
        Assert.Equal(stamp, first.Tunnel);
        ring.Release();
        // A set_field before the controller action is what the controller sees, as for any other field.
        Assert.True(ring.TryPeek(out PacketInRecord second, out _));
        Assert.Equal(stamp with { Id = 9 }, second.Tunnel);
        ring.Release();
        Assert.True(ring.TryPeek(out PacketInRecord third, out _));
        Assert.Equal(default, third.Tunnel);
        Assert.Equal((ushort)1, third.InPort);
        ring.Release();
        sw.AssertNoLeaks();
    }

    private static (TestSwitch, TunnelLikePort) Switch()
    {
        var sw = new TestSwitch(2);
        var tunnel = new TunnelLikePort(new DummyPort(new PortId(3), "p3", poolSize: 64));
        sw.AddPort(tunnel);
        return (sw, tunnel);
    }

    private static void Receive(TestSwitch sw, TunnelLikePort tunnel, int frames)
    {
        for (int i = 0; i < frames; i++)
        {
            tunnel.Inner.Inject(Frames.Udp(9, 1, srcPort: (ushort)(5000 + i)));
        }
        while (sw.Pmd.PollOnce(tunnel, 0) != 0)
        {
        }
    }

    /// <summary>A dummy port that stamps <see cref="Stamp"/> on every packet it receives and records the metadata of every packet it sends.</summary>
    private sealed class TunnelLikePort(DummyPort inner) : IPort
    {
        public DummyPort Inner { get; } = inner;

        public PacketTunnel Stamp { get; set; }

        public List<(int Queue, PacketTunnel Tunnel)> Sent { get; } = [];

        public PortId Id => Inner.Id;

        public string Name => Inner.Name;

        public int RxQueueCount => Inner.RxQueueCount;

        public int TxQueueCount => Inner.TxQueueCount;

        public PortState State => Inner.State;

        public PortStats Stats => Inner.Stats;

        public int Receive(int queue, PacketBatch batch)
        {
            int first = batch.Count;
            int n = Inner.Receive(queue, batch);
            for (int i = first; i < batch.Count; i++)
            {
                batch[i].Tunnel = Stamp;
            }
            return n;
        }

        public void CompleteReceive(int queue) => Inner.CompleteReceive(queue);

        public void Send(int queue, PacketBatch batch)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                Sent.Add((queue, batch[i].Tunnel));
            }
            Inner.Send(queue, batch);
        }
    }
}
