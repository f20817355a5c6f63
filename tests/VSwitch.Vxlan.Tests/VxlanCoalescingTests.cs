using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Vxlan;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>
/// Receive-side coalescing of inner TCP segments (software GRO) through real UDP sockets: runs sent with UDP_SEGMENT
/// arrive in one UDP_GRO read, and the port hands out one TSO super-frame per mergeable run. The oracle for a super-frame
/// is the datapath's own segmenter: cut back, it must give exactly the frames that were sent.
/// </summary>
[Collection(VxlanCollection.Name)]
public sealed class VxlanCoalescingTests
{
    private const int Payload = 1000;
    private const uint FirstSeq = 0xfffff000; // wraps inside a long run

    [Fact]
    public void A_run_of_one_tcp_flow_arrives_as_one_super_frame_that_cuts_back_into_the_frames_sent()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        Assert.True(rig.Namespace.Run(b.GetStatus).Coalesce, "coalescing is on by default where the socket has UDP_GRO");
        List<byte[]> sent = Run(40);
        sent[^1] = Segment(39, psh: true);
        rig.Send(a, sent);
        List<(byte[] Frame, PacketOffload Offload)> got = ReceiveAll(b, sent.Count);
        Assert.Equal(sent, got.SelectMany(Cut));
        Assert.Contains(got, g => g.Offload.Gso == GsoType.TcpV4);
        foreach ((byte[] frame, PacketOffload o) in got.Where(g => g.Offload.Gso != GsoType.None))
        {
            Assert.Equal(OffloadFlags.NeedsCsum, o.Flags);
            Assert.Equal(Payload, o.GsoSize);
            Assert.Equal(14 + 20 + 32, o.HdrLen);
            Assert.Equal(34, o.CsumStart);
            Assert.Equal(16, o.CsumOffset);
            // The pending checksum, completed as a capture completes it, makes the super-frame a valid large TCP frame.
            byte[] copy = (byte[])frame.Clone();
            Assert.True(SoftwareOffload.TryCompleteChecksumInCopy(o, copy));
            Assert.Equal(0xffff, TcpSum(copy));
        }
        VxlanPortStatus status = rig.Namespace.Run(b.GetStatus);
        int superFrames = got.Count(g => g.Offload.Gso != GsoType.None);
        Assert.Equal(superFrames, status.SuperFramesBuilt);
        Assert.Equal(sent.Count - got.Count + superFrames, status.SegmentsCoalesced);
        Assert.Equal(got.Count, b.Stats.Rx[0].Packets);
        Assert.Equal(b.RxPool.Count, b.RxPool.Available);
        Assert.Equal(b.RxSuperFramePool!.Count, b.RxSuperFramePool.Available);
    }

    [Fact]
    public void Three_crafted_segments_in_one_gso_send_the_last_shorter_make_one_super_frame()
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        byte[][] sent = [Segment(0), Segment(1), Segment(2, payload: 500)];
        var got = SendCrafted(rig, b, sent, 3);
        Assert.Single(got);
        Assert.Equal(GsoType.TcpV4, got[0].Offload.Gso);
        Assert.Equal(sent, Cut(got[0]));
        Assert.Equal(3, rig.Namespace.Run(b.GetStatus).SegmentsCoalesced);
    }

    public static TheoryData<string> Breaks() =>
        ["seq-gap", "other-flow", "fin", "syn", "rst", "urg", "options", "bad-tcp-checksum", "bad-ip-checksum", "ip-id", "ttl", "window", "ack", "first-has-psh"];

    [Theory]
    [MemberData(nameof(Breaks))]
    public void A_second_segment_that_breaks_a_rule_is_not_merged(string rule)
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        byte[] first = Segment(0, psh: rule == "first-has-psh");
        byte[] second = Segment(1);
        switch (rule)
        {
            case "seq-gap": second = Segment(2); break;
            case "other-flow": second = Segment(1, srcPort: 40_001); break;
            case "fin": second = Segment(1, flags: 0x11); break;
            case "syn": second = Segment(1, flags: 0x12); break;
            case "rst": second = Segment(1, flags: 0x14); break;
            case "urg": second = Segment(1, flags: 0x30); break;
            case "options": second = Segment(1, tsval: 8); break;
            case "bad-tcp-checksum": second[^1] ^= 0x5a; break;
            case "bad-ip-checksum": second = Segment(1, ipChecksumDelta: 1); break;
            case "ip-id": second = Segment(1, df: false, idStep: 2); first = Segment(0, df: false); break;
            case "ttl": second = Segment(1, ttl: 63); break;
            case "window": second = Segment(1, window: 1000); break;
            case "ack": second = Segment(1, ack: 2); break;
        }
        FirstComesAlone(rig, b, rule, first, second, Segment(2));
    }

    /// <summary>
    /// Sends the frames (the third may be left out) in one GSO send and checks that the first comes out alone, as
    /// sent, and the second as sent (alone, or at the head of a super-frame with the third).
    /// </summary>
    private static void FirstComesAlone(VxlanRig rig, VxlanPort b, string rule, byte[] first, byte[] second, byte[]? third)
    {
        byte[][] frames = third is null ? [first, second] : [first, second, third];
        List<(byte[] Frame, PacketOffload Offload)> got = SendCrafted(rig, b, frames, frames.Length);
        Assert.True(got[0].Offload.Gso == GsoType.None, $"{rule}: the first segment must come alone");
        Assert.Equal(first, got[0].Frame);
        Assert.Equal(second, got[1].Frame.Length == second.Length ? got[1].Frame : Cut(got[1])[0]);
        Assert.True(rig.Namespace.Run(b.GetStatus).SuperFramesBuilt <= 1);
    }

    [Fact]
    public void A_run_of_one_ipv6_tcp_flow_arrives_as_one_tcpv6_super_frame_that_cuts_back_into_the_frames_sent()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        List<byte[]> sent = Run6(40);
        sent[^1] = Segment6(39, psh: true);
        rig.Send(a, sent);
        List<(byte[] Frame, PacketOffload Offload)> got = ReceiveAll(b, sent.Count);
        Assert.Equal(sent, got.SelectMany(Cut));
        Assert.Contains(got, g => g.Offload.Gso == GsoType.TcpV6);
        Assert.DoesNotContain(got, g => g.Offload.Gso == GsoType.TcpV4);
        foreach ((byte[] frame, PacketOffload o) in got.Where(g => g.Offload.Gso != GsoType.None))
        {
            Assert.Equal(OffloadFlags.NeedsCsum, o.Flags);
            Assert.Equal(Payload, o.GsoSize);
            Assert.Equal(14 + 40 + 32, o.HdrLen);
            Assert.Equal(54, o.CsumStart);
            Assert.Equal(16, o.CsumOffset);
            Assert.Equal(frame.Length - 54, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(18)));
            byte[] copy = (byte[])frame.Clone();
            Assert.True(SoftwareOffload.TryCompleteChecksumInCopy(o, copy));
            Assert.Equal(0xffff, Fold(TcpPseudo6(copy, 54) + Sum(copy.AsSpan(54))));
        }
        VxlanPortStatus status = rig.Namespace.Run(b.GetStatus);
        int superFrames = got.Count(g => g.Offload.Gso != GsoType.None);
        Assert.Equal(superFrames, status.SuperFramesBuilt);
        Assert.Equal(superFrames, status.SuperFramesBuiltIpv6);
        Assert.Equal(sent.Count - got.Count + superFrames, status.SegmentsCoalesced);
        Assert.Equal(b.RxPool.Count, b.RxPool.Available);
        Assert.Equal(b.RxSuperFramePool!.Count, b.RxSuperFramePool.Available);
    }

    [Fact]
    public void Three_crafted_ipv6_segments_in_one_gso_send_the_last_shorter_make_one_super_frame()
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        byte[][] sent = [Segment6(0), Segment6(1), Segment6(2, payload: 500)];
        var got = SendCrafted(rig, b, sent, 3);
        Assert.Single(got);
        Assert.Equal(GsoType.TcpV6, got[0].Offload.Gso);
        Assert.Equal(sent, Cut(got[0]));
        VxlanPortStatus status = rig.Namespace.Run(b.GetStatus);
        Assert.Equal(3, status.SegmentsCoalesced);
        Assert.Equal(1, status.SuperFramesBuiltIpv6);
    }

    public static TheoryData<string> Ipv6Breaks() =>
        ["seq-gap", "other-flow", "fin", "syn", "rst", "urg", "options", "bad-tcp-checksum", "hop-limit", "traffic-class",
            "flow-label", "window", "ack", "first-has-psh", "extension-header", "ipv4"];

    [Theory]
    [MemberData(nameof(Ipv6Breaks))]
    public void A_second_ipv6_segment_that_breaks_a_rule_is_not_merged(string rule)
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        byte[] first = Segment6(0, psh: rule == "first-has-psh");
        byte[] second = rule switch
        {
            "seq-gap" => Segment6(2),
            "other-flow" => Segment6(1, srcPort: 40_001),
            "fin" => Segment6(1, flags: 0x11),
            "syn" => Segment6(1, flags: 0x12),
            "rst" => Segment6(1, flags: 0x14),
            "urg" => Segment6(1, flags: 0x30),
            "options" => Segment6(1, tsval: 8),
            "hop-limit" => Segment6(1, hopLimit: 63),
            "traffic-class" => Segment6(1, trafficClass: 0x20),
            "flow-label" => Segment6(1, flowLabel: 0x54321),
            "window" => Segment6(1, window: 1000),
            "ack" => Segment6(1, ack: 2),
            // A shorter frame can only be the last of a UDP_SEGMENT send: these two go as the run's end.
            "extension-header" => Segment6(1),
            "ipv4" => Segment(1),
            _ => Segment6(1),
        };
        if (rule == "bad-tcp-checksum")
        {
            second[^1] ^= 0x5a;
        }
        if (rule == "extension-header")
        {
            first = Segment6(0, hopByHop: true);
        }
        FirstComesAlone(rig, b, rule, first, second, rule is "extension-header" or "ipv4" ? null : Segment6(2));
    }

    [Fact]
    public void Ipv6_segments_with_an_extension_header_are_never_merged()
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        byte[][] sent = [Segment6(0, hopByHop: true), Segment6(1, hopByHop: true), Segment6(2, hopByHop: true)];
        var got = SendCrafted(rig, b, sent, 3);
        Assert.Equal(sent, got.Select(g => g.Frame));
        Assert.All(got, g => Assert.Equal(GsoType.None, g.Offload.Gso));
        Assert.Equal(0, rig.Namespace.Run(b.GetStatus).SuperFramesBuilt);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Segments_with_one_equal_vlan_tag_make_one_super_frame_with_the_tag(bool ipv6)
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        Func<int, byte[]> segment = ipv6 ? i => Segment6(i) : i => Segment(i);
        byte[][] sent = [Tagged(segment(0), 0x2064), Tagged(segment(1), 0x2064), Tagged(segment(2), 0x2064)];
        var got = SendCrafted(rig, b, sent, 3);
        Assert.Single(got);
        PacketOffload o = got[0].Offload;
        Assert.Equal(ipv6 ? GsoType.TcpV6 : GsoType.TcpV4, o.Gso);
        int l4 = 18 + (ipv6 ? 40 : 20);
        Assert.Equal(l4, o.CsumStart);
        Assert.Equal(l4 + 32, o.HdrLen);
        Assert.Equal(sent, Cut(got[0]));
    }

    [Theory]
    [InlineData(false, "other-tag")]
    [InlineData(true, "other-tag")]
    [InlineData(false, "untagged")]
    [InlineData(true, "untagged")]
    public void A_second_segment_with_another_tag_or_none_is_not_merged(bool ipv6, string rule)
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        Func<int, byte[]> segment = ipv6 ? i => Segment6(i) : i => Segment(i);
        byte[] second = rule == "untagged" ? segment(1) : Tagged(segment(1), 0x2065);
        FirstComesAlone(rig, b, rule, Tagged(segment(0), 0x2064), second, rule == "untagged" ? null : Tagged(segment(2), 0x2064));
    }

    [Fact]
    public void Another_vni_from_the_same_remote_is_not_merged()
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A, vni: 42);
        VxlanPort c = rig.Open(3, VxlanRig.B, VxlanRig.A, vni: 43);
        using Socket s = GsoSocket(rig);
        byte[] wire = [.. VxlanRig.Datagram(42, Segment(0)), .. VxlanRig.Datagram(43, Segment(1)), .. VxlanRig.Datagram(42, Segment(2))];
        s.SendTo(wire, new IPEndPoint(IPAddress.Parse(VxlanRig.B), VxlanHeader.DefaultPort));
        List<(byte[] Frame, PacketOffload Offload, PortId InPort)> got = ReceiveWithPorts(b, 3);
        Assert.Equal([(Segment(0), b.Id), (Segment(1), c.Id), (Segment(2), b.Id)], got.Select(g => (g.Frame, g.InPort)));
        Assert.All(got, g => Assert.Equal(GsoType.None, g.Offload.Gso));
    }

    [Fact]
    public void With_coalesce_off_every_segment_is_handed_out_as_it_came()
    {
        using var rig = new VxlanRig();
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A, change: o => o with { Coalesce = false });
        var got = SendCrafted(rig, b, [Segment(0), Segment(1), Segment(2)], 3);
        Assert.Equal(new[] { Segment(0), Segment(1), Segment(2) }, got.Select(g => g.Frame));
        VxlanPortStatus status = rig.Namespace.Run(b.GetStatus);
        Assert.False(status.Coalesce);
        Assert.Equal(0, status.SuperFramesBuilt);
    }

    [Fact]
    public void Coalescing_allocates_nothing_per_batch()
    {
        using var rig = new VxlanRig();
        VxlanPort a = rig.Open(1, VxlanRig.A, VxlanRig.B);
        VxlanPort b = rig.Open(2, VxlanRig.B, VxlanRig.A);
        var pool = new PacketPool(64, 2048);
        var tx = new PacketBatch();
        var rx = new PacketBatch();
        // One batch (32 packets) of each family.
        byte[][][] batches = [[.. Run(32)], [.. Run6(32)]];
        long built = 0;
        long builtIpv6 = 0;
        void Round()
        {
            foreach (byte[][] frames in batches)
            {
                foreach (byte[] f in frames)
                {
                    pool.TryRent(out PacketBuffer? p);
                    p!.TryCopyFrom(f);
                    tx.TryAdd(p);
                }
                a.Send(0, tx);
            }
            int segments = 0;
            for (int spins = 0; spins < 100_000 && segments < 64; spins++)
            {
                int n = b.Receive(0, rx);
                for (int i = 0; i < rx.Count; i++)
                {
                    ref PacketOffload o = ref rx[i].Offload;
                    segments += o.Gso == GsoType.None ? 1 : (rx[i].Length - o.HdrLen + o.GsoSize - 1) / o.GsoSize;
                    built += o.Gso == GsoType.None ? 0 : 1;
                    builtIpv6 += o.Gso == GsoType.TcpV6 ? 1 : 0;
                }
                rx.FreeAll();
                if (n > 0)
                {
                    b.CompleteReceive(0);
                }
            }
        }
        Round();
        long bytes = Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                Round();
            }
        });
        Assert.Equal(0, bytes);
        Assert.True(built > builtIpv6 && builtIpv6 > 0, "the rounds must have built IPv4 and IPv6 super-frames");
    }

    /// <summary>Segments 0..count-1 of the test flow.</summary>
    private static List<byte[]> Run(int count) => [.. Enumerable.Range(0, count).Select(i => Segment(i))];

    /// <summary>
    /// Segment <paramref name="index"/> of a TCP flow 10.1.0.1:40000 → 10.1.0.2:5201 with timestamps (32-byte TCP header),
    /// <see cref="Payload"/> bytes of a payload that differs per segment, and valid checksums (unless told otherwise).
    /// </summary>
    private static byte[] Segment(int index, bool psh = false, byte flags = 0x10, ushort srcPort = 40_000, uint tsval = 7,
        int ipChecksumDelta = 0, bool df = true, int idStep = 1, byte ttl = 64, ushort window = 501, uint ack = 1, int payload = Payload)
    {
        var f = new byte[14 + 20 + 32 + payload];
        var s = f.AsSpan();
        s[0..6].Fill(0x02);
        s[5] = 0x02;
        s[6..12].Fill(0x02);
        s[11] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(s[12..], 0x0800);
        s[14] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(s[16..], (ushort)(f.Length - 14));
        BinaryPrimitives.WriteUInt16BigEndian(s[18..], (ushort)(0x1234 + (index * idStep)));
        s[20] = df ? (byte)0x40 : (byte)0;
        s[22] = ttl;
        s[23] = 6;
        new byte[] { 10, 1, 0, 1 }.CopyTo(s[26..]);
        new byte[] { 10, 1, 0, 2 }.CopyTo(s[30..]);
        BinaryPrimitives.WriteUInt16BigEndian(s[24..], (ushort)(Finish(Sum(s[14..34])) + ipChecksumDelta));
        WriteTcp(s, 34, index, (byte)(flags | (psh ? 0x08 : 0)), srcPort, tsval, window, ack, TcpPseudo(s));
        return f;
    }

    /// <summary>
    /// Segment <paramref name="index"/> of the IPv6 test flow [fd00:1::1]:40000 → [fd00:1::2]:5201, with the same TCP
    /// header and payload as <see cref="Segment"/>, traffic class 0, flow label 0x12345 and hop limit 64 unless told
    /// otherwise; with <paramref name="hopByHop"/> an empty hop-by-hop options header comes before TCP.
    /// </summary>
    private static byte[] Segment6(int index, bool psh = false, byte flags = 0x10, ushort srcPort = 40_000, uint tsval = 7,
        byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0x12345, ushort window = 501, uint ack = 1, int payload = Payload,
        bool hopByHop = false)
    {
        int t = 14 + 40 + (hopByHop ? 8 : 0);
        var f = new byte[t + 32 + payload];
        var s = f.AsSpan();
        s[0..6].Fill(0x02);
        s[5] = 0x02;
        s[6..12].Fill(0x02);
        s[11] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(s[12..], 0x86dd);
        BinaryPrimitives.WriteUInt32BigEndian(s[14..], (6u << 28) | ((uint)trafficClass << 20) | (flowLabel & 0xfffff));
        BinaryPrimitives.WriteUInt16BigEndian(s[18..], (ushort)(f.Length - 54));
        s[20] = hopByHop ? (byte)0 : (byte)6;
        s[21] = hopLimit;
        s[22] = 0xfd;
        s[25] = 0x01;
        s[37] = 1;
        s[38] = 0xfd;
        s[41] = 0x01;
        s[53] = 2;
        if (hopByHop)
        {
            s[54] = 6; // next header TCP, length 0 (8 bytes), a PadN option of 4 bytes
            s[56] = 1;
            s[57] = 4;
        }
        WriteTcp(s, t, index, (byte)(flags | (psh ? 0x08 : 0)), srcPort, tsval, window, ack, TcpPseudo6(s, t));
        return f;
    }

    /// <summary>The TCP header (with timestamps) at <paramref name="t"/> and the payload after it, then the TCP checksum over <paramref name="pseudo"/>.</summary>
    private static void WriteTcp(Span<byte> s, int t, int index, byte flags, ushort srcPort, uint tsval, ushort window, uint ack, ulong pseudo)
    {
        BinaryPrimitives.WriteUInt16BigEndian(s[t..], srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(s[(t + 2)..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(s[(t + 4)..], FirstSeq + (uint)(index * Payload));
        BinaryPrimitives.WriteUInt32BigEndian(s[(t + 8)..], ack);
        s[t + 12] = 8 << 4;
        s[t + 13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(s[(t + 14)..], window);
        s[t + 20] = 1;
        s[t + 21] = 1;
        s[t + 22] = 8;
        s[t + 23] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(s[(t + 24)..], tsval);
        BinaryPrimitives.WriteUInt32BigEndian(s[(t + 28)..], 99);
        for (int i = t + 32; i < s.Length; i++)
        {
            s[i] = (byte)((index * 31) + i);
        }
        BinaryPrimitives.WriteUInt16BigEndian(s[(t + 16)..], Finish(pseudo + Sum(s[t..])));
    }

    /// <summary><paramref name="frame"/> with an 802.1Q tag (TCI <paramref name="tci"/>) after its MAC addresses.</summary>
    private static byte[] Tagged(byte[] frame, ushort tci) =>
        [.. frame.AsSpan(0, 12), 0x81, 0x00, (byte)(tci >> 8), (byte)tci, .. frame.AsSpan(12)];

    /// <summary>IPv6 segments 0..count-1 of the test flow.</summary>
    private static List<byte[]> Run6(int count) => [.. Enumerable.Range(0, count).Select(i => Segment6(i))];

    /// <summary>The IPv6 pseudo-header sum (RFC 8200 §8.1) of a frame whose TCP header starts at <paramref name="t"/>.</summary>
    private static ulong TcpPseudo6(ReadOnlySpan<byte> f, int t) => Sum(f[22..54]) + 6 + (ulong)(f.Length - t);

    private static ulong TcpPseudo(ReadOnlySpan<byte> f) => Sum(f[26..34]) + 6 + (ulong)(f.Length - 34);

    /// <summary>The folded TCP sum of a whole frame, checksum field included: 0xffff when the checksum verifies.</summary>
    private static int TcpSum(byte[] f) => Fold(TcpPseudo(f) + Sum(f.AsSpan(34)));

    private static ulong Sum(ReadOnlySpan<byte> bytes)
    {
        ulong sum = 0;
        for (int i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += (ulong)((bytes[i] << 8) | bytes[i + 1]);
        }
        if ((bytes.Length & 1) != 0)
        {
            sum += (ulong)bytes[^1] << 8;
        }
        return sum;
    }

    private static ushort Fold(ulong sum)
    {
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)sum;
    }

    private static ushort Finish(ulong sum) => (ushort)~Fold(sum);

    /// <summary>A UDP socket in the rig's namespace on host A that sends with UDP_SEGMENT (one datagram per VXLAN packet).</summary>
    private static Socket GsoSocket(VxlanRig rig, int segment = 8 + 14 + 20 + 32 + Payload) => rig.Namespace.Run(() =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(VxlanRig.A), 0));
        socket.SetRawSocketOption(17, 103, BitConverter.GetBytes(segment)); // SOL_UDP, UDP_SEGMENT
        return socket;
    });

    /// <summary>Sends <paramref name="frames"/> (all the first's size but the last, which may be shorter) as VNI 42 datagrams in one UDP_SEGMENT send, and receives <paramref name="wanted"/> packets.</summary>
    private static List<(byte[] Frame, PacketOffload Offload)> SendCrafted(VxlanRig rig, VxlanPort poller, byte[][] frames, int wanted)
    {
        using Socket s = GsoSocket(rig, VxlanHeader.Size + frames[0].Length);
        byte[] wire = [.. frames.SelectMany(f => VxlanRig.Datagram(42, f))];
        s.SendTo(wire, new IPEndPoint(IPAddress.Parse(VxlanRig.B), VxlanHeader.DefaultPort));
        var got = ReceiveAll(poller, wanted);
        Assert.Equal(wanted, got.Sum(g => Cut(g).Count));
        Assert.Equal(1, rig.Namespace.Run(poller.GetStatus).Datagrams); // one GRO read: the runs were offered whole
        return got;
    }

    private static List<(byte[] Frame, PacketOffload Offload)> ReceiveAll(VxlanPort poller, int wantedSegments) =>
        [.. ReceiveWithPorts(poller, wantedSegments).Select(g => (g.Frame, g.Offload))];

    /// <summary>Polls until packets holding <paramref name="wantedSegments"/> segments arrived (or 5 s passed), copying each with its offload metadata.</summary>
    private static List<(byte[] Frame, PacketOffload Offload, PortId InPort)> ReceiveWithPorts(VxlanPort poller, int wantedSegments)
    {
        var got = new List<(byte[], PacketOffload, PortId)>();
        var batch = new PacketBatch();
        var clock = Stopwatch.StartNew();
        int segments = 0;
        while (segments < wantedSegments && clock.ElapsedMilliseconds < 5_000)
        {
            if (poller.Receive(0, batch) == 0)
            {
                Thread.Sleep(1);
                continue;
            }
            for (int i = 0; i < batch.Count; i++)
            {
                PacketBuffer p = batch[i];
                got.Add((p.Span.ToArray(), p.Offload, p.InPort));
                segments += p.Offload.Gso == GsoType.None ? 1 : Cut((p.Span.ToArray(), p.Offload)).Count;
            }
            batch.FreeAll();
            poller.CompleteReceive(0);
        }
        return got;
    }

    /// <summary>A received packet as the frames it stands for: a super-frame cut by the datapath's segmenter, else itself.</summary>
    private static List<byte[]> Cut((byte[] Frame, PacketOffload Offload) packet)
    {
        if (packet.Offload.Gso == GsoType.None)
        {
            return [packet.Frame];
        }
        Assert.True(TcpSegmenter.TryParse(packet.Frame, packet.Offload, out TcpSuperFrame layout, out _));
        using var pool = new PacketPool(2, 70_000);
        Assert.True(pool.TryRent(out PacketBuffer? whole));
        Assert.True(whole.TryCopyFrom(packet.Frame));
        Assert.True(pool.TryRent(out PacketBuffer? segment));
        var frames = new List<byte[]>();
        for (int i = 0; i < layout.SegmentCount; i++)
        {
            Assert.True(TcpSegmenter.TryWriteSegment(whole, layout, i, segment));
            frames.Add(segment.Span.ToArray());
        }
        whole.Free();
        segment.Free();
        return frames;
    }
}
