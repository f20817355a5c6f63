using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Dummy;
using Xunit;

namespace VSwitch.Datapath.Tests.Dummy;

public sealed class DummyPortTests
{
    [Fact]
    public void Injected_frames_are_received_in_order_as_owned_copies()
    {
        var port = new DummyPort(new PortId(3), "d", poolSize: 8);
        byte[] a = [1, 2, 3];
        byte[] b = [4, 5];
        port.Inject(a);
        port.Inject(b);
        var batch = new PacketBatch();
        Assert.Equal(2, port.Receive(0, batch));
        Assert.Equal(a, batch[0].Span.ToArray());
        Assert.Equal(b, batch[1].Span.ToArray());
        Assert.False(batch[0].IsExternal);
        Assert.Equal(new PortId(3), batch[0].InPort);
        Assert.Equal(2, port.Stats.RxPackets);
        Assert.Equal(5, port.Stats.RxBytes);
        batch.FreeAll();
        Assert.Equal(0, port.Receive(0, batch));
    }

    [Fact]
    public void Receive_stops_at_batch_capacity()
    {
        var port = new DummyPort(new PortId(1), "d", poolSize: 64);
        for (int i = 0; i < 40; i++)
        {
            port.Inject([(byte)i]);
        }
        var batch = new PacketBatch();
        Assert.Equal(PacketBatch.Capacity, port.Receive(0, batch));
        Assert.Equal(8, port.PendingRx());
        batch.FreeAll();
    }

    [Fact]
    public void Receive_when_the_pool_is_empty_counts_PoolExhausted()
    {
        var port = new DummyPort(new PortId(1), "d", poolSize: 1);
        port.Inject([1]);
        port.Inject([2]);
        var batch = new PacketBatch();
        Assert.Equal(1, port.Receive(0, batch));
        Assert.Equal(1, port.Stats.Rx[0].Drops[DropReason.PoolExhausted]);
        batch.FreeAll();
    }

    [Fact]
    public void Send_records_copies_counts_and_frees()
    {
        var port = new DummyPort(new PortId(1), "d", txQueues: 2, poolSize: 4);
        var pool = new PacketPool(4, 256);
        var batch = new PacketBatch();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(pool.TryRent(out PacketBuffer? p));
            p.TryCopyFrom([(byte)i, 9]);
            batch.TryAdd(p);
        }
        port.Send(1, batch);
        Assert.Equal(0, batch.Count);
        Assert.Equal(pool.Count, pool.Available);
        List<SentFrame> sent = port.TakeSent();
        Assert.Equal([0, 1, 2], sent.Select(s => (int)s.Frame[0]));
        Assert.All(sent, s => Assert.Equal(1, s.Queue));
        Assert.Equal(3, port.Stats.Tx[1].Packets);
        Assert.Equal(6, port.Stats.Tx[1].Bytes);
        Assert.Empty(port.TakeSent());
    }

    [Fact]
    public void Send_when_down_drops_PortDown()
    {
        var port = new DummyPort(new PortId(1), "d");
        port.SetState(PortState.Down);
        var pool = new PacketPool(1, 256);
        var batch = new PacketBatch();
        Assert.True(pool.TryRent(out PacketBuffer? p));
        batch.TryAdd(p);
        port.Send(0, batch);
        Assert.Equal(1, port.Stats.Tx[0].Drops[DropReason.PortDown]);
        Assert.Equal(1, pool.Available);
        Assert.Empty(port.TakeSent());
    }

    [Fact]
    public void The_generator_replays_frames_forever_in_bursts()
    {
        var port = new DummyPort(new PortId(1), "d", poolSize: 64);
        port.LoadGenerator([[1], [2], [3]], burst: 4);
        var batch = new PacketBatch();
        var seen = new List<byte>();
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(4, port.Receive(0, batch));
            for (int i = 0; i < batch.Count; i++)
            {
                seen.Add(batch[i].Span[0]);
            }
            batch.FreeAll();
        }
        Assert.Equal([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], seen);
        port.StopGenerator();
        Assert.Equal(0, port.Receive(0, batch));
    }
}
