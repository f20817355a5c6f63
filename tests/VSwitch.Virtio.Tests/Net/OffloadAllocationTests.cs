using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// Offloads allocate nothing either: parsing checksum and segmentation headers, copying super-frames from chains into
/// the large pool, and writing offload headers into the guest's mergeable buffers, in steady state on this thread.
/// </summary>
public sealed class OffloadAllocationTests
{
    private const int Rounds = 300;

    [Fact]
    public void Receiving_super_frames_from_chains_allocates_nothing()
    {
        var rig = new VirtqueueRig(queueSize: 256, regionBytes: 16 << 20);
        var rx = new VirtioNetRx(rig.Queue);
        var pool = new PacketPool(64);
        var large = new PacketPool(PacketBatch.Capacity, OffloadRig.LargeDataRoom);
        var batch = new PacketBatch();
        var stats = new QueueStats();
        ulong header = rig.Driver.AllocateWith(OffloadRig.Tso4Header());
        ulong segment = rig.Driver.AllocateWith(NetRig.Frame(4000, 1));
        var heads = new ushort[PacketBatch.Capacity];
        for (int i = 0; i < heads.Length; i++)
        {
            heads[i] = rig.Driver.AddChain(
                DriverBuffer.Readable(header, 12), DriverBuffer.Readable(segment, 4000), DriverBuffer.Readable(segment, 4000),
                DriverBuffer.Readable(segment, 4000));
        }
        rig.Driver.PublishAvail();

        void Round()
        {
            rx.Receive(rig.Memory, batch, pool, 12, zeroCopy: true, stats, default, OffloadRig.All, large);
            batch.FreeAll();
            rx.Complete(rig.Memory, null);
            for (int i = 0; i < heads.Length; i++)
            {
                rig.Driver.PushAvail(heads[i]);
            }
            rig.Driver.PublishAvail();
        }

        for (int i = 0; i < 20; i++)
        {
            Round();
        }
        long allocated = Allocations.SteadyState(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                Round();
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(0, stats.Drops.Total);
        Assert.True(stats.Packets >= Rounds * PacketBatch.Capacity, $"only {stats.Packets} super-frames went through");
        Assert.Equal(12_000L * stats.Packets, stats.Bytes);
        GC.KeepAlive(rig);
    }

    [Fact]
    public void Sending_offloaded_packets_allocates_nothing()
    {
        var rig = new VirtqueueRig(queueSize: 256);
        var tx = new VirtioNetTx(rig.Queue);
        var pool = new PacketPool(64);
        var batch = new PacketBatch();
        var stats = new QueueStats();
        var heads = new ushort[PacketBatch.Capacity * 2];
        for (int i = 0; i < heads.Length; i++)
        {
            heads[i] = rig.Driver.AddWritable(1024);
        }
        rig.Driver.PublishAvail();
        var offload = new PacketOffload { Flags = OffloadFlags.NeedsCsum, CsumStart = 34, CsumOffset = 16 };
        int next = 0;

        void Round()
        {
            for (int i = 0; i < PacketBatch.Capacity; i++)
            {
                pool.TryRent(out PacketBuffer? p);
                p!.TrySetLength(1500);
                p.Offload = offload;
                batch.TryAdd(p);
            }
            tx.Send(rig.Memory, batch, mergeable: true, 12, null, stats, OffloadRig.All);
            for (int i = 0; i < heads.Length; i++)
            {
                rig.Driver.PushAvail(heads[next]);
                next = (next + 1) % heads.Length;
            }
            rig.Driver.PublishAvail();
        }

        for (int i = 0; i < 200; i++)
        {
            Round();
        }
        long allocated = Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 3000; i++)
            {
                Round();
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(0, stats.Drops.Total);
        GC.KeepAlive(rig);
    }
}
