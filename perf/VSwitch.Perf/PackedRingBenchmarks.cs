using BenchmarkDotNet.Attributes;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;

namespace VSwitch.Perf;

/// <summary>
/// The packed-ring counterpart of <see cref="VirtioRxBenchmark"/>, with the same shape (a ring of 256, batches of 32,
/// one buffer per frame) so the rows compare like for like; every slot holds a buffer. The fake driver re-offers the returned slots in place, as
/// cheaply as the split driver pushes heads again. Reported per packet (OperationsPerInvoke = 32).
/// </summary>
[MemoryDiagnoser]
public class PackedRxBenchmark
{
    private PackedQueueRig _rig = null!;
    private PackedNetRx _rx = null!;
    private PacketPool _pool = null!;
    private readonly PacketBatch _batch = new();
    private readonly QueueStats _stats = new();

    [Params(64, 1518)]
    public int FrameSize { get; set; }

    [Params(false, true)]
    public bool ZeroCopy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = new PackedQueueRig(queueSize: 256);
        _rx = new PackedNetRx(_rig.Queue);
        _pool = new PacketPool(256);
        ulong buffer = _rig.Driver.AllocateWith(new byte[VirtioNetHeader.Size + FrameSize]);
        // Every slot holds the buffer, so re-offering a returned slot in place needs no address.
        for (int i = 0; i < 256; i++)
        {
            _rig.Driver.AddBuffer(buffer, (uint)(VirtioNetHeader.Size + FrameSize), writable: false);
        }
        _rig.Driver.PublishAvail();
    }

    [Benchmark(OperationsPerInvoke = PacketBatch.Capacity)]
    public int ReceiveBatch()
    {
        int n = _rx.Receive(_rig.Memory, _batch, _pool, VirtioNetHeader.Size, ZeroCopy, _stats);
        _batch.FreeAll();
        _rx.Complete(_rig.Memory, null);
        _rig.Driver.RecycleSingleBuffers(n, (uint)(VirtioNetHeader.Size + FrameSize), writable: false);
        return n;
    }
}

/// <summary>
/// The packed-ring counterpart of <see cref="VirtioTxBenchmark"/> without mergeable buffers: receive buffers of 2 KiB
/// in every slot of a ring of 256, batches of 32, the returned slots re-offered in place. Reported per packet.
/// </summary>
[MemoryDiagnoser]
public class PackedTxBenchmark
{
    private PackedQueueRig _rig = null!;
    private PackedNetTx _tx = null!;
    private PacketPool _pool = null!;
    private readonly PacketBatch _batch = new();
    private readonly QueueStats _stats = new();

    [Params(64, 1518)]
    public int FrameSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = new PackedQueueRig(queueSize: 256);
        _tx = new PackedNetTx(_rig.Queue);
        _pool = new PacketPool(256);
        ulong buffer = _rig.Driver.Allocate(2048);
        for (int i = 0; i < 256; i++)
        {
            _rig.Driver.AddBuffer(buffer, 2048, writable: true);
        }
        _rig.Driver.PublishAvail();
    }

    [Benchmark(OperationsPerInvoke = PacketBatch.Capacity)]
    public bool SendBatch()
    {
        for (int i = 0; i < PacketBatch.Capacity; i++)
        {
            _pool.TryRent(out PacketBuffer? p);
            p!.TrySetLength(FrameSize);
            _batch.TryAdd(p);
        }
        long before = _stats.Packets;
        bool notify = _tx.Send(_rig.Memory, _batch, false, VirtioNetHeader.Size, null, _stats);
        _rig.Driver.RecycleSingleBuffers((int)(_stats.Packets - before), 2048, writable: true);
        return notify;
    }
}
