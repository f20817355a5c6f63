using System.Buffers.Binary;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Vxlan;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>
/// Several threads sending through one VXLAN port at once, as datapath threads do: each on a transmit queue of its own
/// (scratch and counters apart, the sockets shared), or two on one queue (serialised). Every packet arrives, each
/// flow in order, and the counters add up.
/// </summary>
[Collection(VxlanCollection.Name)]
public sealed class VxlanTxQueueTests
{
    private const int Threads = 2;
    private const int Batches = 48;
    private const int FlowsPerThread = 8;

    [Fact]
    public void Two_threads_on_their_own_queues_send_at_once_and_every_packet_arrives_in_flow_order_counted_per_queue()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B, change: o => o with { TxQueues = Threads });
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        Assert.Equal(Threads, a.TxQueueCount);
        var sent = SendConcurrently(a, queueOf: t => t, b, out List<byte[]> got);
        AssertSameFlows(sent, got);
        for (int q = 0; q < Threads; q++)
        {
            Assert.Equal(sent.Count(f => ThreadOf(f) == q), a.Stats.Tx[q].Packets);
            Assert.Equal(sent.Where(f => ThreadOf(f) == q).Sum(f => (long)f.Length), a.Stats.Tx[q].Bytes);
            Assert.Equal(0, a.Stats.Tx[q].Drops.Total);
        }
        Assert.Equal(sent.Count, a.Stats.TxPackets);
        Assert.Equal(sent.Count, b.Stats.RxPackets);
    }

    [Fact]
    public void Two_threads_that_share_one_queue_are_serialised_and_every_packet_arrives_in_flow_order()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        Assert.Equal(1, a.TxQueueCount);
        // Queues 0 and 1 both map to the port's only queue (queue % TxQueueCount).
        var sent = SendConcurrently(a, queueOf: t => t, b, out List<byte[]> got);
        AssertSameFlows(sent, got);
        Assert.Equal(sent.Count, a.Stats.Tx[0].Packets);
        Assert.Equal(0, a.Stats.Tx[0].Drops.Total);
    }

    [Fact]
    public void A_port_needs_one_to_MaxTxQueues_transmit_queues()
    {
        var endpoints = new VxlanEndpoints();
        foreach (int queues in new[] { 0, VxlanPortOptions.MaxTxQueues + 1 })
        {
            var options = new VxlanPortOptions { Name = "vx", RemoteIp = VxlanRig.Ip(VxlanRig.B), TxQueues = queues };
            ArgumentException e = Assert.Throws<ArgumentException>(() => VxlanPort.Open(options, new PortId(1), endpoints));
            Assert.Contains("transmit queues", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, endpoints.Count);
    }

    /// <summary>
    /// Starts <see cref="Threads"/> threads that each send <see cref="Batches"/> batches of 32 frames (8 flows of their
    /// own, sizes 60..1400) on queue <paramref name="queueOf"/>(thread), released together; this thread receives on
    /// <paramref name="b"/> meanwhile until everything arrived or 60 s passed. Returns what was sent.
    /// </summary>
    private static List<byte[]> SendConcurrently(VxlanPort a, Func<int, int> queueOf, VxlanPort b, out List<byte[]> got)
    {
        var frames = new List<byte[]>[Threads];
        for (int t = 0; t < Threads; t++)
        {
            var random = new Random(100 + t);
            frames[t] = [.. Enumerable.Range(0, Batches * PacketBatch.Capacity)
                .Select(i => VxlanRig.Frame((t * FlowsPerThread) + random.Next(FlowsPerThread), random.Next(60, 1401), i))];
        }
        using var start = new Barrier(Threads);
        var errors = new List<Exception>();
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int thread = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    using var pool = new PacketPool(64, 2048);
                    var batch = new PacketBatch();
                    start.SignalAndWait();
                    foreach (byte[] f in frames[thread])
                    {
                        Assert.True(pool.TryRent(out PacketBuffer? p));
                        Assert.True(p.TryCopyFrom(f));
                        batch.TryAdd(p);
                        if (batch.IsFull)
                        {
                            a.Send(queueOf(thread), batch);
                        }
                    }
                    a.Send(queueOf(thread), batch);
                    Assert.Equal(pool.Count, pool.Available);
                }
                catch (Exception e)
                {
                    lock (errors)
                    {
                        errors.Add(e);
                    }
                }
            }) { IsBackground = true, Name = "vxlan sender " + t };
            threads[t].Start();
        }
        int total = Threads * Batches * PacketBatch.Capacity;
        got = [.. VxlanRig.Receive(b, total, timeoutMs: 60_000).Select(g => g.Frame)];
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a sender did not finish");
        }
        Assert.Empty(errors);
        Assert.Equal(b.RxPool.Count, b.RxPool.Available);
        return [.. frames.SelectMany(f => f)];
    }

    /// <summary>Every frame sent arrived exactly once, whole, and each flow's frames in the order they were sent.</summary>
    private static void AssertSameFlows(List<byte[]> sent, List<byte[]> got)
    {
        Assert.Equal(sent.Count, got.Count);
        foreach (IGrouping<ushort, byte[]> flow in sent.GroupBy(SrcPort))
        {
            Assert.Equal(flow.ToList(), got.Where(f => SrcPort(f) == flow.Key).ToList());
        }
    }

    /// <summary>The thread that sent a frame: each has flows of its own (inner UDP source ports 10,000 + flow).</summary>
    private static int ThreadOf(byte[] frame) => (SrcPort(frame) - 10_000) / FlowsPerThread;

    private static ushort SrcPort(byte[] frame) => BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(34));
}
