using System.Buffers.Binary;
using System.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.TestKit;
using VSwitch.VhostUser;
using Xunit;

namespace VSwitch.Integration.Tests.VhostUser;

/// <summary>
/// Offload headers from a driver nobody here wrote: dpdk-testpmd's <c>csum</c> forwarding engine over net_virtio_user
/// hands each TCP frame it receives back with the TCP checksum left to the device (<c>csum set tcp hw</c>), and with
/// <c>tso set</c> as a TCP super-frame; the port must read both from the virtio-net header, on split and packed rings.
/// </summary>
[Collection(RealPeers.Name)]
public sealed class TestPmdOffloadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Csum_engine_leaves_checksums_and_segmentation_to_the_port_in_the_header(bool packed)
    {
        TestPmd.RequireAvailable();
        using var h = new PortHarness(VhostUserMode.Server);
        // DPDK's virtio PMD asks for CSUM and HOST_TSO4/6 only when the application enables UDP/TCP checksum and TSO
        // transmit offloads (RTE_ETH_TX_OFFLOAD_UDP_CKSUM 0x4, TCP_CKSUM 0x8, TCP_TSO 0x20).
        using var pmd = TestPmd.Start([h.VirtioUserVdev(packed: packed)], ["--forward-mode=csum", "--tx-offloads=0x2c"]);
        pmd.WaitForPrompt(Boot);
        h.WaitUntilUp(Boot);
        Configure(pmd, "csum set ip sw 0", "csum set tcp hw 0");
        h.WaitUntilUp(Boot);
        IReadOnlyList<string> acked = h.Port.GetStatus().AckedFeatures;
        output.WriteLine("negotiated: " + string.Join(',', acked));
        Assert.Contains("Csum", acked);
        Assert.Contains("HostTso4", acked);
        byte[] frame = TcpFrame(payload: 1000);
        PacketBuffer back = RoundTrip(h, frame);
        ref PacketOffload o = ref back.Offload;
        Assert.Equal(OffloadFlags.NeedsCsum, o.Flags);
        Assert.Equal(GsoType.None, o.Gso);
        Assert.Equal(34, o.CsumStart);
        Assert.Equal(16, o.CsumOffset);
        // Finishing the checksum as the header says gives back the checksum the frame had.
        byte[] finished = back.Span.ToArray();
        ushort sum = Checksum(finished.AsSpan(o.CsumStart));
        BinaryPrimitives.WriteUInt16BigEndian(finished.AsSpan(o.CsumStart + o.CsumOffset), sum);
        Assert.Equal(frame.AsSpan(12).ToArray(), finished.AsSpan(12).ToArray());
        Release(h);

        pmd.Stop();
        Configure(pmd, "tso set 800 0");
        h.WaitUntilUp(Boot);
        back = RoundTrip(h, TcpFrame(payload: 1400));
        o = ref back.Offload;
        output.WriteLine($"super-frame: {back.Length} bytes, gso {o.Gso} size {o.GsoSize} hdr_len {o.HdrLen} csum {o.CsumStart}+{o.CsumOffset}");
        Assert.Equal(GsoType.TcpV4, o.Gso);
        Assert.Equal(800, o.GsoSize);
        Assert.Equal(54, o.HdrLen);
        Assert.Equal(OffloadFlags.NeedsCsum, o.Flags);
        Assert.Equal(1454, back.Length);
        Release(h);
        Assert.Equal(0, h.Port.Stats.Rx[0].Drops.Total);
    }

    /// <summary>Stops port 0, runs the commands, starts it again and forwarding with it.</summary>
    private static void Configure(TestPmd pmd, params string[] commands)
    {
        pmd.Send("port stop 0");
        foreach (string command in commands)
        {
            pmd.Send(command);
        }
        pmd.Send("port start 0");
        pmd.Send("start");
        pmd.WaitForPrompt(Boot);
    }

    /// <summary>Sends <paramref name="frame"/> to testpmd until it comes back (the rings may still be restarting), then returns it.</summary>
    private static PacketBuffer RoundTrip(PortHarness h, byte[] frame)
    {
        var sw = Stopwatch.StartNew();
        var resend = Stopwatch.StartNew();
        h.Send(0, [frame]);
        while (true)
        {
            int n = h.Port.Receive(0, h.Batch);
            if (n > 0)
            {
                return h.Batch[0];
            }
            Assert.True(sw.Elapsed < Boot, "testpmd sent nothing back");
            if (resend.Elapsed > TimeSpan.FromSeconds(1))
            {
                h.Send(0, [frame]);
                resend.Restart();
            }
            Thread.Sleep(1);
        }
    }

    private static void Release(PortHarness h)
    {
        h.Batch.FreeAll();
        h.Port.CompleteReceive(0);
        // Anything still in flight from a resend.
        h.Drain(0, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
    }

    /// <summary>A TCP/IPv4 frame from 10.0.0.1:5001 to 10.0.0.2:80 with correct IP and TCP checksums.</summary>
    private static byte[] TcpFrame(int payload)
    {
        var f = new byte[14 + 20 + 20 + payload];
        f[0] = 0x02; f[5] = 0x02; f[6] = 0x02; f[11] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        Span<byte> ip = f.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 20 + payload));
        ip[8] = 64;
        ip[9] = 6;
        ip[12] = 10; ip[15] = 1; ip[16] = 10; ip[19] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
        Span<byte> tcp = f.AsSpan(34);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 5001);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 80);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 1000);
        tcp[12] = 0x50;
        tcp[13] = 0x18; // PSH, ACK
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        new Random(5).NextBytes(tcp[20..]);
        // RFC 793: the TCP checksum covers a pseudo-header of addresses, protocol and TCP length, then the segment.
        var pseudo = new byte[12 + tcp.Length];
        ip.Slice(12, 8).CopyTo(pseudo);
        pseudo[9] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)tcp.Length);
        tcp.CopyTo(pseudo.AsSpan(12));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(pseudo));
        return f;
    }

    /// <summary>RFC 1071 Internet checksum (the value to store).</summary>
    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if ((data.Length & 1) != 0)
        {
            sum += (uint)data[^1] << 8;
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }
}
