using BenchmarkDotNet.Attributes;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;

namespace VSwitch.Perf;

/// <summary>
/// Guest to switch over fake guest memory: one invocation takes a batch of 32 frames from the guest's transmit queue,
/// frees the packets, returns the heads (Complete) and lets the fake driver offer the same buffers again.
/// Reported per packet (OperationsPerInvoke = 32).
/// </summary>
[MemoryDiagnoser]
public class VirtioRxBenchmark
{
    private VirtqueueRig _rig = null!;
    private VirtioNetRx _rx = null!;
    private PacketPool _pool = null!;
    private readonly PacketBatch _batch = new();
    private readonly QueueStats _stats = new();
    private readonly ushort[] _heads = new ushort[PacketBatch.Capacity];

    [Params(64, 1518)]
    public int FrameSize { get; set; }

    [Params(false, true)]
    public bool ZeroCopy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = new VirtqueueRig(queueSize: 256);
        _rx = new VirtioNetRx(_rig.Queue);
        _pool = new PacketPool(256);
        byte[] data = new byte[VirtioNetHeader.Size + FrameSize];
        for (int i = 0; i < _heads.Length; i++)
        {
            _heads[i] = _rig.Driver.AddReadable(data);
        }
        _rig.Driver.PublishAvail();
    }

    [Benchmark(OperationsPerInvoke = PacketBatch.Capacity)]
    public int ReceiveBatch()
    {
        int n = _rx.Receive(_rig.Memory, _batch, _pool, VirtioNetHeader.Size, ZeroCopy, _stats);
        _batch.FreeAll();
        _rx.Complete(_rig.Memory, null);
        for (int i = 0; i < _heads.Length; i++)
        {
            _rig.Driver.PushAvail(_heads[i]);
        }
        _rig.Driver.PublishAvail();
        return n;
    }
}
