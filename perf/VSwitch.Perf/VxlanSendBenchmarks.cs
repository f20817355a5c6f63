using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Vxlan;

namespace VSwitch.Perf;

/// <summary>
/// The transmit side of a real <see cref="VxlanPort"/> on the loopback: one invocation is one batch of 32 frames of
/// <see cref="FrameSize"/> bytes through <see cref="VxlanPort.Send"/> (checks, inner hash, VXLAN header, sendmmsg with
/// <c>UDP_SEGMENT</c>), sent from 127.0.0.1 to the port's own receive socket on 127.0.0.1, which nobody reads (once
/// its buffer is full the kernel drops on arrival). Most of the time is the kernel's UDP and loopback path; what
/// the port adds per batch is the rest. <see cref="Flows"/> distinct inner flows (1: one run, one segmented message;
/// 32: spread over the port's sockets). Reported per packet (OperationsPerInvoke = 32). Needs a free UDP port on
/// 127.0.0.1; traffic stays on the loopback.
/// </summary>
[MemoryDiagnoser]
public class VxlanSendBenchmarks
{
    private readonly PacketBatch _batch = new();
    private readonly PacketPool _pool = new(64);
    private VxlanPort _port = null!;
    private byte[][] _frames = null!;

    [Params(64, 1400)]
    public int FrameSize { get; set; }

    [Params(1, 32)]
    public int Flows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ushort dstPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            dstPort = (ushort)((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        const uint loopback = 0x7f000001;
        _port = VxlanPort.Open(new VxlanPortOptions { Name = "perf", LocalIp = loopback, RemoteIp = loopback, DstPort = dstPort, Vni = 42 },
            new PortId(1), new VxlanEndpoints { ReceiveSlots = 1 });
        _frames = new byte[PacketBatch.Capacity][];
        for (int i = 0; i < _frames.Length; i++)
        {
            // IPv4/UDP frames whose source port differs per flow, so the inner hash spreads them over the sockets.
            byte[] frame = new byte[FrameSize];
            frame.AsSpan(0, 6).Fill(0x02);
            frame[6] = 0x02;
            frame[12] = 0x08;
            frame[14] = 0x45;
            frame[23] = 17;
            int flow = i % Flows;
            frame[34] = (byte)(flow >> 8);
            frame[35] = (byte)flow;
            _frames[i] = frame;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _port.Dispose();

    [Benchmark(OperationsPerInvoke = PacketBatch.Capacity)]
    public int Send()
    {
        for (int i = 0; i < _frames.Length; i++)
        {
            _pool.TryRent(out PacketBuffer? p);
            p!.TryCopyFrom(_frames[i]);
            _batch.TryAdd(p);
        }
        _port.Send(0, _batch);
        return _batch.Count;
    }
}
