using BenchmarkDotNet.Attributes;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.TestKit.Offload;

namespace VSwitch.Perf;

/// <summary>
/// Software offload as the egress hook pays for it before a port that refused offloads: cutting one 64 KiB TCP
/// super-frame (the largest IP datagram, no options, untagged) into segments of <see cref="Mss"/> payload bytes, each
/// copied into a pool buffer with its headers fixed and its full TCP checksum computed; and completing the pending
/// checksum of one 1,500-byte frame in place. Per super-frame or per frame; divide by the payload (65,495 bytes over IPv4, 65,515 over IPv6) for ns per byte.
/// </summary>
[MemoryDiagnoser]
public class SegmentationBenchmarks
{
    private PacketPool _superFrames = null!;
    private PacketPool _segments = null!;
    private PacketBuffer _superFrame = null!;
    private PacketBuffer _frame = null!;
    private byte[] _partial = [];
    private PacketOffload _partialOffload;

    /// <summary>IPv6 (true) or IPv4.</summary>
    [Params(false, true)]
    public bool Ipv6 { get; set; }

    /// <summary>Segment payload: a 1,500-byte MTU (IPv4 MSS) or a 9,000-byte one.</summary>
    [Params(1448, 8948)]
    public int Mss { get; set; }

    /// <summary>Builds the super-frame and the pools.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _superFrames = new PacketPool(2, 70_000);
        _segments = new PacketPool(64);
        var random = new Random(1);
        byte[] payload = new byte[65535 - (Ipv6 ? 20 : 40)];
        random.NextBytes(payload);
        var spec = new L4FrameSpec
        {
            Ipv6 = Ipv6,
            SrcIp = Ipv6 ? new byte[16] : [10, 0, 0, 1],
            DstIp = Ipv6 ? new byte[16] : [10, 0, 0, 2],
            Payload = payload,
        };
        var (frame, offload) = L4Frames.BuildOffloaded(spec, Mss);
        _superFrames.TryRent(out PacketBuffer? superFrame);
        _superFrame = superFrame!;
        _superFrame.TryCopyFrom(frame);
        _superFrame.Offload = offload;
        (_partial, _partialOffload) = L4Frames.BuildOffloaded(spec with { Payload = payload[..1446] });
        _superFrames.TryRent(out PacketBuffer? small);
        _frame = small!;
    }

    /// <summary>Parses the super-frame and writes every segment into a rented buffer, then frees them.</summary>
    [Benchmark]
    public int Segment64KiB()
    {
        if (!TcpSegmenter.TryParse(_superFrame.Span, in _superFrame.Offload, out TcpSuperFrame layout, out _))
        {
            return -1;
        }
        int written = 0;
        for (int s = 0; s < layout.SegmentCount; s++)
        {
            _segments.TryRent(out PacketBuffer? segment);
            if (TcpSegmenter.TryWriteSegment(_superFrame, in layout, s, segment!))
            {
                written += segment!.Length;
            }
            segment!.Free();
        }
        return written;
    }

    /// <summary>Restores a 1,500-byte frame with a pending checksum and completes it (the restore copy included).</summary>
    [Benchmark]
    public bool CompleteChecksum1500()
    {
        _frame.TryCopyFrom(_partial);
        _frame.Offload = _partialOffload;
        return SoftwareOffload.TryCompleteChecksum(_frame, out _);
    }
}
