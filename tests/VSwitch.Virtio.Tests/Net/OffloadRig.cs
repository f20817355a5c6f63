using System.Buffers.Binary;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// One queue of either ring layout with the virtio-net receiver and transmitter over it, an ordinary pool, a pool of
/// 64 KiB buffers for super-frames, and helpers to build virtio-net headers: the offload tests run the same on both.
/// </summary>
internal sealed class OffloadRig
{
    /// <summary>Data room of a large buffer, as the vhost-user port sizes it.</summary>
    public const int LargeDataRoom = (64 * 1024) + 256;

    /// <summary>Every offload: what a driver with CSUM, HOST_TSO4/6 and HOST_ECN (or the GUEST_ ones) accepts.</summary>
    public const PortOffloads All = PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn;

    private readonly VirtqueueRig? _split;
    private readonly PackedQueueRig? _packed;
    private readonly VirtioNetRx? _splitRx;
    private readonly PackedNetRx? _packedRx;
    private readonly VirtioNetTx? _splitTx;
    private readonly PackedNetTx? _packedTx;

    public OffloadRig(bool packed, int largeBuffers = 8)
    {
        Packed = packed;
        if (packed)
        {
            _packed = new PackedQueueRig(256, regionBytes: 8 << 20);
            _packedRx = new PackedNetRx(_packed.Queue);
            _packedTx = new PackedNetTx(_packed.Queue);
        }
        else
        {
            _split = new VirtqueueRig(256, regionBytes: 8 << 20);
            _splitRx = new VirtioNetRx(_split.Queue);
            _splitTx = new VirtioNetTx(_split.Queue);
        }
        Large = new PacketPool(largeBuffers, LargeDataRoom);
    }

    public bool Packed { get; }

    public FakeGuestMemory Fake => Packed ? _packed!.Fake : _split!.Fake;

    public GuestMemory Memory => Fake.Memory;

    public PacketPool Pool { get; } = new(64);

    public PacketPool Large { get; }

    public PacketBatch Batch { get; } = new();

    public QueueStats Stats { get; } = new();

    public ulong AllocateWith(ReadOnlySpan<byte> data) => Packed ? _packed!.Driver.AllocateWith(data) : _split!.Driver.AllocateWith(data);

    public ulong Allocate(uint length) => Packed ? _packed!.Driver.Allocate(length) : _split!.Driver.Allocate(length);

    public void AddChain(params DriverBuffer[] buffers)
    {
        if (Packed)
        {
            _packed!.Driver.AddChain(buffers);
        }
        else
        {
            _split!.Driver.AddChain(buffers);
        }
    }

    public void AddIndirectChain(params DriverBuffer[] buffers)
    {
        if (Packed)
        {
            _packed!.Driver.AddIndirectChain(buffers);
        }
        else
        {
            _split!.Driver.AddIndirectChain(buffers);
        }
    }

    public void Publish()
    {
        if (Packed)
        {
            _packed!.Driver.PublishAvail();
        }
        else
        {
            _split!.Driver.PublishAvail();
        }
    }

    /// <summary>One readable descriptor holding <paramref name="header"/> then <paramref name="frame"/>; published. Returns its address.</summary>
    public ulong TransmitOne(byte[] header, byte[] frame)
    {
        ulong gpa = AllocateWith([.. header, .. frame]);
        AddChain(DriverBuffer.Readable(gpa, (uint)(header.Length + frame.Length)));
        Publish();
        return gpa;
    }

    public int Receive(PortOffloads accepted, bool zeroCopy = false, bool withLargePool = true, int headerSize = VirtioNetHeader.Size) =>
        Packed
            ? _packedRx!.Receive(Memory, Batch, Pool, headerSize, zeroCopy, Stats, default, accepted, withLargePool ? Large : null)
            : _splitRx!.Receive(Memory, Batch, Pool, headerSize, zeroCopy, Stats, default, accepted, withLargePool ? Large : null);

    /// <summary>Frees the batch and returns the held chains to the guest.</summary>
    public void FreeAndComplete()
    {
        Batch.FreeAll();
        if (Packed)
        {
            _packedRx!.Complete(Memory, null);
        }
        else
        {
            _splitRx!.Complete(Memory, null);
        }
    }

    public bool Send(PortOffloads accepted, bool mergeable, int headerSize = VirtioNetHeader.Size) =>
        Packed
            ? _packedTx!.Send(Memory, Batch, mergeable, headerSize, null, Stats, accepted)
            : _splitTx!.Send(Memory, Batch, mergeable, headerSize, null, Stats, accepted);

    /// <summary>Used elements since the last call, as (id, length).</summary>
    public List<(uint Id, uint Length)> Used() =>
        Packed ? [.. _packed!.Driver.ReadUsed().Select(u => ((uint)u.Id, u.Length))] : _split!.Driver.ReadUsed();

    public byte[] Read(ulong gpa, int length) => Fake.Read(gpa, length);

    /// <summary>A packet of <paramref name="pool"/> holding <paramref name="frame"/> with <paramref name="offload"/>.</summary>
    public static PacketBuffer Packet(PacketPool pool, byte[] frame, PacketOffload offload = default)
    {
        if (!pool.TryRent(out PacketBuffer? p) || !p.TryCopyFrom(frame))
        {
            throw new InvalidOperationException("pool");
        }
        p.Offload = offload;
        return p;
    }

    /// <summary>A virtio-net header with num_buffers (12 bytes), fields little-endian as VIRTIO 1.2 §5.1.6 lays them out.</summary>
    public static byte[] Header(byte flags = 0, byte gsoType = 0, ushort hdrLen = 0, ushort gsoSize = 0, ushort csumStart = 0, ushort csumOffset = 0,
        ushort numBuffers = 0)
    {
        var h = new byte[VirtioNetHeader.Size];
        h[0] = flags;
        h[1] = gsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), hdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), gsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), csumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(8), csumOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(10), numBuffers);
        return h;
    }

    /// <summary>NEEDS_CSUM for TCP over IPv4 without options: the sum starts at the TCP header (14 + 20) and goes to offset 16.</summary>
    public static byte[] TcpCsumHeader() => Header(flags: 1, csumStart: 34, csumOffset: 16);

    /// <summary>A TCP/IPv4 super-frame header: NEEDS_CSUM, GSO_TCPV4 (with the ECN bit when asked), MSS 1448, 54 bytes of headers.</summary>
    public static byte[] Tso4Header(bool ecn = false) =>
        Header(flags: 1, gsoType: (byte)(1 | (ecn ? 0x80 : 0)), hdrLen: 54, gsoSize: 1448, csumStart: 34, csumOffset: 16);
}
