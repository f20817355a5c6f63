using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Net;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>A virtqueue rig plus the virtio-net pieces and a pool, for rx/tx tests.</summary>
internal sealed class NetRig
{
    public NetRig(ushort queueSize = 64, bool eventIdx = false, int poolSize = 256)
    {
        Rig = new VirtqueueRig(queueSize, eventIdx: eventIdx);
        Pool = new PacketPool(poolSize);
        Rx = new VirtioNetRx(Rig.Queue);
        Tx = new VirtioNetTx(Rig.Queue);
    }

    public VirtqueueRig Rig { get; }

    public DriverSideQueue Driver => Rig.Driver;

    public PacketPool Pool { get; }

    public VirtioNetRx Rx { get; }

    public VirtioNetTx Tx { get; }

    public PacketBatch Batch { get; } = new();

    public QueueStats Stats { get; } = new();

    public static byte[] Frame(int length, int seed)
    {
        var f = new byte[length];
        for (int i = 0; i < length; i++)
        {
            f[i] = (byte)((i * 31) + seed);
        }
        return f;
    }

    public static byte[] WithHeader(byte[] frame, int headerSize)
    {
        var b = new byte[headerSize + frame.Length];
        // An all-zero header: a plain frame (the header is parsed; OffloadRxTests covers the others).
        frame.CopyTo(b, headerSize);
        return b;
    }

    public PacketBuffer Packet(byte[] frame)
    {
        if (!Pool.TryRent(out PacketBuffer? p) || !p.TryCopyFrom(frame))
        {
            throw new InvalidOperationException("pool");
        }
        return p;
    }
}
