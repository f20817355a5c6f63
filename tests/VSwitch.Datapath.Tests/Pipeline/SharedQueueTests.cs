using VSwitch.Core.Diagnostics;
using VSwitch.Core.Ports;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>A queue that delivers packets of several ports (a tunnel endpoint's socket): each is processed as received on its own port.</summary>
public sealed class SharedQueueTests
{
    [Fact]
    public void Each_packet_is_processed_as_received_on_the_port_it_names_in_order()
    {
        var sw = new TestSwitch(4);
        var shared = new SharedQueuePort(new PortId(9));
        sw.AddPort(shared);
        sw.AddFlow("priority=10,in_port=1,actions=output:3");
        sw.AddFlow("priority=10,in_port=2,actions=output:4");
        sw.AddFlow("priority=10,in_port=9,actions=output:4");
        var sent = new List<(byte[] Frame, int InPort)>();
        for (int i = 0; i < 30; i++)
        {
            int inPort = (i % 3) switch { 0 => 1, 1 => 2, _ => 9 };
            byte[] frame = Frames.Udp(10 + inPort, 20, srcPort: (ushort)(1000 + i));
            shared.Inject(frame, inPort);
            sent.Add((frame, inPort));
        }
        Assert.Equal(30, sw.Pmd.PollOnce(shared, 0));
        Assert.Equal(sent.Where(s => s.InPort == 1).Select(s => s.Frame), sw.Received(3));
        // Run one in-port at a time in order of first appearance (2 before 9), each in its received order.
        Assert.Equal(sent.Where(s => s.InPort == 2).Concat(sent.Where(s => s.InPort == 9)).Select(s => s.Frame), sw.Received(4));
        Assert.All(sw.Flows.Rules.Where(r => r.Priority == 10), r => Assert.Equal(10, r.PacketCount));
        Assert.Equal(shared.Pool.Count, shared.Pool.Available);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_packet_naming_a_port_that_is_gone_is_dropped_as_no_such_port()
    {
        var sw = new TestSwitch(2);
        var shared = new SharedQueuePort(new PortId(9));
        sw.AddPort(shared);
        shared.Inject(Frames.Udp(1, 2), 1);
        shared.Inject(Frames.Udp(5, 2), 5);
        Assert.Equal(2, sw.Pmd.PollOnce(shared, 0));
        Assert.Single(sw.Received(2));
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.NoSuchPort]);
        Assert.Equal(shared.Pool.Count, shared.Pool.Available);
    }
}
