using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Pipeline;
using VSwitch.Flows.Rules;
using VSwitch.Ports.Dummy;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>Each way the datapath discards a packet increments its own named counter, and nothing leaks.</summary>
public sealed class DropReasonTests
{
    [Fact]
    public void A_runt_is_RxRunt()
    {
        var sw = new TestSwitch(2);
        sw.Send(1, new byte[13], Frames.Udp(1, 2));
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.RxRunt]);
        Assert.Equal(1, sw.ReceivedCounts().Sum());
        Assert.Equal(2, sw.Pmd.Stats.Packets);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void An_empty_flow_table_is_NoRule()
    {
        var sw = new TestSwitch(2);
        sw.Flows.Delete(FlowFilter.All);
        sw.Publish();
        sw.Send(1, Frames.Udp(1, 2), Frames.Udp(1, 3));
        Assert.Equal(2, sw.Pmd.Stats.Drops[DropReason.NoRule]);
        // The miss of an empty table depends on no field, so the first translation's megaflow serves the second packet.
        Assert.Equal(1, sw.Pmd.Stats.Upcalls);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void Output_to_a_missing_port_is_NoSuchPort()
    {
        var sw = new TestSwitch(2);
        sw.AddFlow("priority=10,actions=output:7");
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.NoSuchPort]);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void An_ingress_port_missing_from_the_snapshot_is_NoSuchPort()
    {
        var sw = new TestSwitch(2);
        var stray = new DummyPort(new PortId(50), "stray", poolSize: 8);
        stray.Inject(Frames.Udp(1, 2));
        sw.Pmd.PollOnce(stray, 0);
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.NoSuchPort]);
        Assert.Equal(stray.RxPool(0).Count, stray.RxPool(0).Available);
    }

    [Fact]
    public void Flood_with_an_empty_clone_pool_is_PoolExhausted_but_the_original_still_goes()
    {
        var sw = new TestSwitch(4, clonePool: 1);
        Assert.True(sw.ClonePool.TryRent(out PacketBuffer? hog));
        sw.Send(1, Frames.Broadcast(1));
        Assert.Equal(2, sw.Pmd.Stats.Drops[DropReason.PoolExhausted]);
        Assert.Equal(1, sw.ReceivedCounts().Sum());
        hog.Free();
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_clone_larger_than_the_clone_pools_buffers_is_PacketTooLarge()
    {
        var sw = new TestSwitch(2);
        sw.AddPort(new DummyPort(new PortId(3), "jumbo", poolSize: 8, dataRoom: 9216));
        sw.Send(3, Frames.Udp(3, 9, payload: 4000));
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.PacketTooLarge]);
        Assert.Equal(1, sw.ReceivedCounts().Sum());
        sw.AssertNoLeaks();
    }

    [Fact]
    public void FlowDrop_SameAsIngress_VlanNotAllowed_and_NoFloodTarget_are_separate()
    {
        var sw = new TestSwitch(2, p => p == 2 ? Datapath.Ports.PortVlanConfig.Access(3) : null);
        sw.AddFlow("priority=10,udp,tp_src=1,actions=drop");
        sw.Send(1, Frames.Udp(1, 2, srcPort: 1));
        sw.Send(2, Frames.Tagged(Frames.Udp(2, 1), 4));
        sw.Send(1, Frames.Udp(5, 6));
        sw.Send(1, Frames.Udp(6, 5));
        PmdStats s = sw.Pmd.Stats;
        Assert.Equal(1, s.Drops[DropReason.FlowDrop]);
        Assert.Equal(1, s.Drops[DropReason.VlanNotAllowed]);
        Assert.Equal(1, s.Drops[DropReason.SameAsIngress]);
        Assert.Equal(1, s.Drops[DropReason.NoFloodTarget]);
        Assert.Equal(4, s.Drops.Total);
        sw.AssertNoLeaks();
    }

    [Fact]
    public void A_port_with_no_tx_queues_is_PortDown()
    {
        var sw = new TestSwitch(1);
        sw.AddPort(new NoQueuePort(new PortId(2)));
        sw.Send(1, Frames.Udp(1, 2));
        Assert.Equal(1, sw.Pmd.Stats.Drops[DropReason.PortDown]);
        sw.AssertNoLeaks();
    }

    private sealed class NoQueuePort(PortId id) : IPort
    {
        public PortId Id { get; } = id;

        public string Name => "noq";

        public int RxQueueCount => 0;

        public int TxQueueCount => 0;

        public PortState State => PortState.Down;

        public PortStats Stats { get; } = new(1);

        public int Receive(int queue, PacketBatch batch) => 0;

        public void CompleteReceive(int queue)
        {
        }

        public void Send(int queue, PacketBatch batch) => throw new InvalidOperationException("no queue to send on");
    }
}
