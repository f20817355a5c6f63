using VSwitch.Core.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Ports;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

public sealed class NormalForwardingTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(16)]
    public void An_unknown_destination_floods_then_a_learnt_destination_is_unicast(int ports)
    {
        var sw = new TestSwitch(ports);
        sw.Send(1, Frames.Udp(1, 2));
        int[] counts = sw.ReceivedCounts();
        for (int p = 2; p <= ports; p++)
        {
            Assert.Equal(1, counts[p]);
        }
        Assert.Equal(0, counts[1]);

        sw.Send(2, Frames.Udp(2, 1));
        counts = sw.ReceivedCounts();
        Assert.Equal(1, counts[1]);
        Assert.Equal(1, counts.Sum());

        sw.Send(1, Frames.Udp(1, 2), Frames.Udp(1, 2));
        counts = sw.ReceivedCounts();
        Assert.Equal(2, counts[2]);
        Assert.Equal(2, counts.Sum());
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Forwarded_frames_are_byte_for_byte_the_same()
    {
        var sw = new TestSwitch(3);
        byte[] frame = Frames.Udp(1, 2, payload: 300);
        sw.Send(1, frame);
        Assert.Equal(frame, Assert.Single(sw.Received(2)));
        Assert.Equal(frame, Assert.Single(sw.Received(3)));
    }

    [Fact]
    public void Broadcast_always_floods_even_when_learnt()
    {
        var sw = new TestSwitch(4);
        sw.Send(2, Frames.Udp(2, 1));
        sw.ReceivedCounts();
        sw.Send(1, Frames.Broadcast(1));
        Assert.Equal([0, 0, 1, 1, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void A_destination_on_the_ingress_port_is_dropped_SameAsIngress()
    {
        var sw = new TestSwitch(3);
        sw.Send(1, Frames.Udp(7, 8));
        sw.ReceivedCounts();
        sw.Send(1, Frames.Udp(8, 7));
        Assert.Equal(0, sw.ReceivedCounts().Sum());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.SameAsIngress]);
    }

    [Fact]
    public void A_MAC_move_redirects_traffic()
    {
        var sw = new TestSwitch(3);
        sw.Send(1, Frames.Udp(1, 9));
        sw.Send(2, Frames.Udp(2, 9));
        sw.ReceivedCounts();
        sw.Send(3, Frames.Udp(1, 9));
        Assert.Equal(1, sw.Mac.Moves);
        sw.ReceivedCounts();
        sw.Send(2, Frames.Udp(2, 1));
        Assert.Equal([0, 0, 0, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void An_aged_out_destination_floods_again()
    {
        var sw = new TestSwitch(3);
        sw.Mac.AgingSeconds = 15;
        sw.Send(2, Frames.Udp(2, 1));
        sw.ReceivedCounts();
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal([0, 0, 1, 0], sw.ReceivedCounts());
        sw.Clock.Advance(TimeSpan.FromSeconds(16));
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal([0, 0, 1, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void Access_ports_of_different_VLANs_are_isolated()
    {
        // Ports 1,2 in VLAN 10; ports 3,4 in VLAN 20.
        var sw = new TestSwitch(4, p => PortVlanConfig.Access(p <= 2 ? (ushort)10 : (ushort)20));
        sw.Send(1, Frames.Broadcast(1));
        Assert.Equal([0, 0, 1, 0, 0], sw.ReceivedCounts());
        sw.Send(3, Frames.Udp(3, 1));
        Assert.Equal([0, 0, 0, 0, 1], sw.ReceivedCounts());
        sw.Send(1, Frames.Udp(1, 3));
        Assert.Equal([0, 0, 1, 0, 0], sw.ReceivedCounts());
    }

    [Fact]
    public void A_tagged_frame_on_an_access_port_is_dropped_VlanNotAllowed()
    {
        var sw = new TestSwitch(2, _ => PortVlanConfig.Access(10));
        sw.Send(1, Frames.Tagged(Frames.Udp(1, 2), 10));
        Assert.Equal(0, sw.ReceivedCounts().Sum());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.VlanNotAllowed]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Access_to_trunk_pushes_the_tag_and_trunk_to_access_strips_it()
    {
        // Port 1: access VLAN 10. Port 2: trunk of all VLANs. Port 3: access VLAN 20.
        var sw = new TestSwitch(3, p => p == 2 ? PortVlanConfig.TrunkAll : PortVlanConfig.Access(p == 1 ? (ushort)10 : (ushort)20));
        byte[] untagged = Frames.Udp(1, 2);
        sw.Send(1, untagged);
        byte[] onTrunk = Assert.Single(sw.Received(2));
        Assert.Equal(10, Frames.Tci(onTrunk));
        Assert.Equal(Frames.Tagged(untagged, 10), onTrunk);
        Assert.Empty(sw.Received(3));

        byte[] reply = Frames.Udp(2, 1);
        sw.Send(2, Frames.Tagged(reply, 10, pcp: 3));
        Assert.Equal(reply, Assert.Single(sw.Received(1)));
        Assert.Empty(sw.Received(3));

        sw.Send(2, Frames.Tagged(Frames.Broadcast(2), 20));
        Assert.Equal(Frames.Broadcast(2), Assert.Single(sw.Received(3)));
        Assert.Empty(sw.Received(1));
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Trunk_to_trunk_keeps_the_tag_and_the_trunk_list_filters()
    {
        var sw = new TestSwitch(3, p => p == 3 ? PortVlanConfig.Trunk([30]) : PortVlanConfig.TrunkAll);
        byte[] frame = Frames.Tagged(Frames.Broadcast(1), 40, pcp: 2);
        sw.Send(1, frame);
        Assert.Equal(frame, Assert.Single(sw.Received(2)));
        Assert.Empty(sw.Received(3));
        sw.Send(3, Frames.Tagged(Frames.Broadcast(3), 31));
        Assert.Equal(0, sw.ReceivedCounts().Sum());
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.VlanNotAllowed]);
    }

    [Fact]
    public void Native_untagged_sends_the_native_VLAN_untagged_and_others_tagged()
    {
        // Port 1: native-untagged VLAN 5 trunking 6. Port 2: access 5. Port 3: access 6.
        var sw = new TestSwitch(3, p => p switch
        {
            1 => PortVlanConfig.Native(5, [6], untagged: true),
            2 => PortVlanConfig.Access(5),
            _ => PortVlanConfig.Access(6),
        });
        sw.Send(2, Frames.Broadcast(2));
        Assert.Equal(Frames.Broadcast(2), Assert.Single(sw.Received(1)));
        sw.Send(3, Frames.Broadcast(3));
        Assert.Equal(6, Frames.Tci(Assert.Single(sw.Received(1))));
        sw.Send(1, Frames.Broadcast(1));
        Assert.Single(sw.Received(2));
        Assert.Empty(sw.Received(3));
    }

    [Fact]
    public void The_same_MAC_on_two_VLANs_is_learnt_separately()
    {
        var sw = new TestSwitch(3);
        sw.Send(1, Frames.Tagged(Frames.Udp(5, 6), 10));
        sw.Send(2, Frames.Tagged(Frames.Udp(5, 6), 20));
        Assert.True(sw.Mac.TryLookup(10, TestSwitch.MacOf(5), out PortId p10));
        Assert.True(sw.Mac.TryLookup(20, TestSwitch.MacOf(5), out PortId p20));
        Assert.Equal(1, p10.Value);
        Assert.Equal(2, p20.Value);
    }

    [Fact]
    public void A_no_flood_port_is_skipped_by_flooding_but_reaches_learnt_unicast()
    {
        var sw = new TestSwitch(2);
        sw.AddPort(new VSwitch.Ports.Dummy.DummyPort(new PortId(3), "p3", poolSize: 64), noFlood: true);
        sw.Send(1, Frames.Broadcast(1));
        Assert.Equal([0, 0, 1, 0], sw.ReceivedCounts());
        sw.Send(3, Frames.Udp(3, 1));
        sw.ReceivedCounts();
        sw.Send(1, Frames.Udp(1, 3));
        Assert.Equal([0, 0, 0, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void A_deleted_ports_entries_are_gone_and_traffic_floods_to_the_rest()
    {
        var sw = new TestSwitch(3);
        sw.Send(3, Frames.Udp(3, 1));
        sw.ReceivedCounts();
        sw.RemovePort(3);
        Assert.False(sw.Mac.TryLookup(0, TestSwitch.MacOf(3), out _));
        sw.Send(1, Frames.Udp(1, 3));
        Assert.Equal([0, 0, 1], sw.ReceivedCounts());
    }

    [Fact]
    public void A_multicast_source_is_not_learnt_but_still_forwarded()
    {
        var sw = new TestSwitch(3);
        byte[] frame = Frames.Udp(1, 2);
        Core.Net.MacAddress.Broadcast.Write(frame.AsSpan(6));
        sw.Send(1, frame);
        Assert.Equal([0, 0, 1, 1], sw.ReceivedCounts());
        Assert.Equal(0, sw.Mac.Count);
        Assert.Equal(1, sw.Mac.RefusedMulticast);
    }

    [Fact]
    public void A_QinQ_frame_on_an_access_port_is_carried_as_untagged()
    {
        var sw = new TestSwitch(2, p => p == 1 ? PortVlanConfig.Access(10) : PortVlanConfig.TrunkAll);
        byte[] qinq = VSwitch.TestKit.PacketFactory.WithVlan(Frames.Broadcast(1), 99, tpid: Core.Net.EtherType.QinQ);
        sw.Send(1, qinq);
        byte[] out2 = Assert.Single(sw.Received(2));
        Assert.Equal(10, Frames.Tci(out2));
        Assert.Equal(qinq, Frames.Untag(out2));
    }
}
