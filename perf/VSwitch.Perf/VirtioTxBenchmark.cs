using BenchmarkDotNet.Attributes;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;

namespace VSwitch.Perf;

/// <summary>
/// Switch to guest over fake guest memory: one invocation writes a batch of 32 frames into the guest's receive queue
/// (2 KiB buffers; with mergeable buffers 1 KiB ones, so a 1518-byte frame takes two) and lets the fake driver offer
/// the same buffers again. Reported per packet (OperationsPerInvoke = 32).
/// </summary>
[MemoryDiagnoser]
public class VirtioTxBenchmark
{
    private VirtqueueRig _rig = null!;
    private VirtioNetTx _tx = null!;
    private PacketPool _pool = null!;
    private readonly PacketBatch _batch = new();
    private readonly QueueStats _stats = new();
    private ushort[] _heads = null!;
    private int _next;

    [Params(64, 1518)]
    public int FrameSize { get; set; }

    [Params(false, true)]
    public bool Mergeable { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = new VirtqueueRig(queueSize: 256);
        _tx = new VirtioNetTx(_rig.Queue);
        _pool = new PacketPool(256);
        _heads = new ushort[128];
        for (int i = 0; i < _heads.Length; i++)
        {
            _heads[i] = _rig.Driver.AddWritable(Mergeable ? 1024u : 2048u);
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
        ushort usedBefore = _rig.Queue.NextUsed;
        bool notify = _tx.Send(_rig.Memory, _batch, Mergeable, VirtioNetHeader.Size, null, _stats);
        int consumed = (ushort)(_rig.Queue.NextUsed - usedBefore);
        for (int i = 0; i < consumed; i++)
        {
            _rig.Driver.PushAvail(_heads[_next]);
            _next = (_next + 1) % _heads.Length;
        }
        _rig.Driver.PublishAvail();
        return notify;
    }
}
