using VSwitch.Core.Diagnostics;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>
/// NORMAL with split-horizon groups, as a host of a full tunnel mesh sees it: ports 1 and 2 are local, ports 3, 4 and 5
/// are tunnels to three other hosts (group 1).
/// </summary>
public sealed class SplitHorizonTests
{
    private static TestSwitch Mesh()
    {
        var sw = new TestSwitch(5);
        for (int p = 3; p <= 5; p++)
        {
            sw.SetSplitHorizon(p, 1);
        }
        return sw;
    }

    [Fact]
    public void A_local_broadcast_reaches_every_local_port_and_every_tunnel()
    {
        TestSwitch sw = Mesh();
        sw.Send(1, Frames.Broadcast(1));
        Assert.Equal([0, 0, 1, 1, 1, 1], sw.ReceivedCounts());
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_broadcast_from_a_tunnel_reaches_the_local_ports_only()
    {
        TestSwitch sw = Mesh();
        sw.Send(3, Frames.Broadcast(30));
        Assert.Equal([0, 1, 1, 0, 0, 0], sw.ReceivedCounts());
        Assert.Equal(0, sw.Pmd.Stats.Drops.Total);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Unknown_unicast_from_a_tunnel_is_flooded_to_local_ports_only()
    {
        TestSwitch sw = Mesh();
        sw.Send(4, Frames.Udp(40, 99));
        Assert.Equal([0, 1, 1, 0, 0, 0], sw.ReceivedCounts());
    }

    [Fact]
    public void A_frame_from_one_tunnel_to_an_address_learnt_on_another_is_dropped_as_split_horizon()
    {
        TestSwitch sw = Mesh();
        sw.Send(4, Frames.Udp(40, 1));
        _ = sw.ReceivedCounts();
        sw.Send(3, Frames.Udp(30, 40));
        Assert.Equal(0, sw.ReceivedCounts().Sum());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.SplitHorizon]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Tunnel_to_local_and_local_to_tunnel_unicast_are_forwarded()
    {
        TestSwitch sw = Mesh();
        sw.Send(1, Frames.Udp(1, 30));
        _ = sw.ReceivedCounts();
        sw.Send(3, Frames.Udp(30, 1));
        Assert.Equal([0, 1, 0, 0, 0, 0], sw.ReceivedCounts());
        sw.Send(1, Frames.Udp(1, 30));
        Assert.Equal([0, 0, 0, 1, 0, 0], sw.ReceivedCounts());
        Assert.Equal(0, sw.Pmd.Stats.Drops[DropReason.SplitHorizon]);
    }

    [Fact]
    public void Ports_of_different_groups_forward_to_each_other()
    {
        TestSwitch sw = Mesh();
        sw.SetSplitHorizon(5, 2);
        sw.Send(3, Frames.Broadcast(30));
        Assert.Equal([0, 1, 1, 0, 0, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void A_tunnel_with_no_local_port_to_flood_to_counts_no_flood_target()
    {
        var sw = new TestSwitch(2);
        sw.SetSplitHorizon(1, 1);
        sw.SetSplitHorizon(2, 1);
        sw.Send(1, Frames.Broadcast(10));
        Assert.Equal(0, sw.ReceivedCounts().Sum());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.NoFloodTarget]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void OpenFlow_flood_ignores_split_horizon_as_it_ignores_vlans()
    {
        TestSwitch sw = Mesh();
        sw.AddFlow("priority=10,in_port=3,actions=flood");
        sw.Send(3, Frames.Broadcast(30));
        Assert.Equal([0, 1, 1, 0, 1, 1], sw.ReceivedCounts());
    }
}
