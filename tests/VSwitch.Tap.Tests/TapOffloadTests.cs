using System.Globalization;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Tap;
using VSwitch.TestKit;

using Xunit;

namespace VSwitch.Tap.Tests;

/// <summary>
/// The tap's offload settings as the kernel sees them, and the vnet header written in front of a sent frame, judged
/// by the kernel in the port's namespace (ethtool features, /proc/net/snmp counters).
/// </summary>
[Collection(TapCollection.Name)]
public sealed class TapOffloadTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_kernel_side_has_checksum_and_tso_offload_exactly_when_the_port_enables_them(bool offloads)
    {
        Prerequisite.Require(Prerequisite.FindOnPath("ethtool") is not null, "ethtool is missing (scripts/setup.sh)");
        using var peer = new TapPeer(offloads: offloads);
        (int code, string features, string stderr) = peer.Namespace.Exec(10_000, "ethtool", "-k", peer.IfName);
        Assert.True(code == 0, stderr);
        string on = offloads ? "on" : "off";
        Assert.Contains($"tx-checksumming: {on}", features, StringComparison.Ordinal);
        Assert.Contains($"tx-tcp-segmentation: {on}", features, StringComparison.Ordinal);
        Assert.Contains($"tx-tcp6-segmentation: {on}", features, StringComparison.Ordinal);
        Assert.Contains($"tx-tcp-ecn-segmentation: {on}", features, StringComparison.Ordinal);

        Assert.Equal(offloads ? TapPort.EnabledOffloads : PortOffloads.None, peer.Port.TxOffloads);
        TapPortStatus status = peer.Port.GetStatus();
        Assert.Equal(peer.Port.TxOffloads, status.Offloads);
        PacketPool pool = peer.Port.RxPool(0);
        Assert.Equal(offloads ? TapPort.DefaultSuperFramePoolSize : TapPort.DefaultPoolSize, pool.Count);
        Assert.True(pool.TryRent(out PacketBuffer? p));
        Assert.True(p.Capacity >= (offloads ? TapPort.MaxSuperFrame : 1500 + TapPort.FrameOverhead), $"capacity {p.Capacity}");
        p.Free();
    }

    [Fact]
    public void A_checksum_pending_frame_is_finished_by_the_kernel_and_the_same_bytes_without_the_header_are_a_checksum_error()
    {
        using var peer = new TapPeer();
        byte[] frame = Frames.UdpChecksumPending(peer.KernelMac, TapPeer.OurIp, TapPeer.KernelIp, 40000, 9, payload: 300);
        (long noPorts, long csumErrors) = Udp(peer);

        // Port 9 has no socket: a datagram with a good checksum counts as NoPorts, one with a bad checksum as InCsumErrors.
        Send(peer, frame, new PacketOffload { Flags = OffloadFlags.NeedsCsum, CsumStart = 34, CsumOffset = 6 });
        Eventually.True(() => Udp(peer).NoPorts == noPorts + 1, "the kernel to take the datagram (Udp NoPorts + 1)",
            detail: () => peer.Namespace.ReadSys("/proc/net/snmp"));
        Assert.Equal(csumErrors, Udp(peer).InCsumErrors);

        Send(peer, frame, default);
        Eventually.True(() => Udp(peer).InCsumErrors == csumErrors + 1, "the kernel to count the unfinished checksum (Udp InCsumErrors + 1)",
            detail: () => peer.Namespace.ReadSys("/proc/net/snmp"));
        Assert.Equal(noPorts + 1, Udp(peer).NoPorts);
        Assert.Equal(2, peer.Port.Stats.Tx[0].Packets);
        Assert.Equal(256, peer.Pool.Available);
    }

    [Fact]
    public void A_super_frame_is_refused_as_too_large_by_a_port_without_tso_and_by_one_that_took_another_kind()
    {
        using var peer = new TapPeer(offloads: false);
        byte[] large = new byte[4000];
        Send(peer, large, new PacketOffload
        {
            Flags = OffloadFlags.NeedsCsum, Gso = GsoType.TcpV4, GsoSize = 1448, HdrLen = 66, CsumStart = 34, CsumOffset = 16,
        });
        Assert.Equal(1, peer.Port.Stats.Tx[0].Drops[Core.Diagnostics.DropReason.PacketTooLarge]);
        Assert.Equal(0, peer.Port.GetStatus().TxSuperFrames);
        Assert.Equal(256, peer.Pool.Available);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_tcp_super_frame_sent_by_the_kernel_arrives_whole_with_offloads_and_as_complete_segments_without(bool offloads)
    {
        Prerequisite.Require(Prerequisite.FindOnPath("python3") is not null, "python3 is missing (scripts/setup.sh)");
        using var peer = new TapPeer(offloads: offloads);
        // A packet socket with PACKET_VNET_HDR in the peer's namespace hands the kernel one TCP/IPv4 super-frame of 4,000
        // payload bytes (gso_size 1,000, checksum pending) to transmit on the tap: with TSO on the tap the kernel passes it
        // on whole, without it segments it and completes each checksum first (validate_xmit_skb).
        (int code, string stdout, string stderr) = peer.Namespace.Exec(30_000, "python3", "-c", SuperFrameSender, peer.IfName,
            Convert.ToHexString(MacBytes(Frames.OurMac)), Convert.ToHexString(MacBytes(peer.KernelMac)), TapPeer.KernelIp, TapPeer.OurIp);
        Assert.True(code == 0, $"python3 packet socket sender failed ({code}): {stdout} {stderr}");

        List<(byte[] Frame, PacketOffload Offload)> got = ReceiveTcpTo(peer, 6666, offloads ? 1 : 4);
        if (offloads)
        {
            (byte[] frame, PacketOffload o) = Assert.Single(got);
            Assert.Equal(14 + 20 + 20 + 4000, frame.Length);
            Assert.Equal(GsoType.TcpV4, o.Gso);
            Assert.Equal(1000, o.GsoSize);
            Assert.True((o.Flags & OffloadFlags.NeedsCsum) != 0);
            Assert.Equal(34, o.CsumStart);
            Assert.Equal(16, o.CsumOffset);
            Assert.Equal(1, peer.Port.GetStatus().RxSuperFrames);
        }
        else
        {
            Assert.Equal(4, got.Count);
            foreach ((byte[] frame, PacketOffload o) in got)
            {
                Assert.Equal(14 + 20 + 20 + 1000, frame.Length);
                Assert.True(o.IsPlain);
                Assert.True(TcpChecksumValid(frame), "a segment's TCP checksum is wrong");
            }
            Assert.Equal(0, peer.Port.GetStatus().RxSuperFrames);
        }
        Assert.Equal(peer.Port.RxPool(0).Count, peer.Port.RxPool(0).Available);
    }

    /// <summary>argv: interface, source MAC, destination MAC (hex), source IP, destination IP.</summary>
    private const string SuperFrameSender = """
        import socket, struct, sys
        ifname, dst, src, sip, dip = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), sys.argv[4], sys.argv[5]
        def fold(s):
            while s > 0xffff:
                s = (s & 0xffff) + (s >> 16)
            return s
        def words(b):
            return sum(struct.unpack('!%dH' % (len(b) // 2), b))
        payload = bytes(i * 13 & 0xff for i in range(4000))
        ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40 + len(payload), 1, 0x4000, 64, 6, 0, socket.inet_aton(sip), socket.inet_aton(dip)))
        struct.pack_into('!H', ip, 10, 0xffff - fold(words(bytes(ip))))
        pseudo = fold(words(socket.inet_aton(sip) + socket.inet_aton(dip)) + 6 + 20 + len(payload))
        tcp = struct.pack('!HHIIBBHHH', 5555, 6666, 1, 0, 5 << 4, 0x18, 65535, pseudo, 0)
        vnet = struct.pack('<BBHHHH', 1, 1, 54, 1000, 34, 16)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
        s.bind((ifname, 0))
        s.send(vnet + dst + src + b'\x08\x00' + bytes(ip) + tcp + payload)
        """;

    private static byte[] MacBytes(Core.Net.MacAddress mac)
    {
        var bytes = new byte[6];
        mac.Write(bytes);
        return bytes;
    }

    /// <summary>Polls the port until <paramref name="wanted"/> TCP frames to <paramref name="port"/> arrived (30 s at most); copies with their offload metadata.</summary>
    private static List<(byte[] Frame, PacketOffload Offload)> ReceiveTcpTo(TapPeer peer, ushort port, int wanted)
    {
        var found = new List<(byte[], PacketOffload)>();
        var batch = new PacketBatch();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (found.Count < wanted && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (peer.Port.Receive(0, batch) == 0)
            {
                Thread.Sleep(2);
            }
            for (int i = 0; i < batch.Count; i++)
            {
                ReadOnlySpan<byte> f = batch[i].Span;
                if (f.Length >= 54 && f[12] == 0x08 && f[13] == 0 && f[23] == 6 && System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(f[36..]) == port)
                {
                    found.Add((f.ToArray(), batch[i].Offload));
                }
            }
            batch.FreeAll();
        }
        return found;
    }

    /// <summary>True when the TCP checksum of an IPv4 frame (20-byte IP header) verifies (RFC 793 pseudo-header).</summary>
    private static bool TcpChecksumValid(byte[] frame)
    {
        int tcpLength = frame.Length - 34;
        ulong sum = 6u + (uint)tcpLength;
        for (int i = 26; i < 34; i += 2)
        {
            sum += System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(i));
        }
        for (int i = 34; i + 1 < frame.Length; i += 2)
        {
            sum += System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(i));
        }
        if ((tcpLength & 1) != 0)
        {
            sum += (uint)frame[^1] << 8;
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return sum == 0xffff;
    }

    private static void Send(TapPeer peer, byte[] frame, PacketOffload offload)
    {
        var batch = new PacketBatch();
        Assert.True(peer.Pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(frame));
        p.Offload = offload;
        batch.TryAdd(p);
        peer.Port.Send(0, batch);
    }

    /// <summary>The Udp line's NoPorts and InCsumErrors of /proc/net/snmp in the peer's namespace.</summary>
    private static (long NoPorts, long InCsumErrors) Udp(TapPeer peer)
    {
        string[] lines = peer.Namespace.ReadSys("/proc/net/snmp").Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("Udp: InDatagrams", StringComparison.Ordinal));
        string[] names = lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] values = lines[header + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(values[Array.IndexOf(names, "NoPorts")], CultureInfo.InvariantCulture),
            long.Parse(values[Array.IndexOf(names, "InCsumErrors")], CultureInfo.InvariantCulture));
    }
}
