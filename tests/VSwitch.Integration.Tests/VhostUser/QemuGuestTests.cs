using System.Buffers.Binary;
using System.Diagnostics;
using VSwitch.Integration.Tests.Guests;
using VSwitch.TestKit.Guests;
using VSwitch.VhostUser;
using Xunit;

namespace VSwitch.Integration.Tests.VhostUser;

/// <summary>
/// A real QEMU 7.2 guest with Linux's virtio-net driver on the port, in both socket modes. The test thread polls the
/// port as a datapath thread would and answers ARP and ICMP echo for a peer address, so the guest's pings travel both
/// ways. Between two ping rounds the guest reloads its driver: the rings stop (GET_VRING_BASE) and start again. With
/// <c>packed=on</c> on the guest's device the same runs over packed rings (VIRTIO_F_RING_PACKED), whose stop and start
/// carry slots and wrap counters in the vring base.
/// Gated on QEMU and the guest kit; runs alone (the guest needs a CPU).
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class QemuGuestTests(ITestOutputHelper output)
{
    private static readonly byte[] PeerMac = [0x02, 0, 0, 0, 0x0b, 0x02];
    private static readonly byte[] PeerIp = [10, 0, 0, 2];

    [Theory]
    [InlineData(VhostUserMode.Server, false)]
    [InlineData(VhostUserMode.Client, false)]
    [InlineData(VhostUserMode.Server, true)]
    [InlineData(VhostUserMode.Client, true)]
    public void Linux_guest_pings_through_the_port_and_survives_a_driver_reload(VhostUserMode mode, bool packed)
    {
        GuestImage image = GuestKit.RequireAvailable();
        // Client mode dials QEMU's socket until it listens: retry often. The reload stops the rings: a short quiesce.
        using var rig = new PortHarness(mode, configure: o => o with
        {
            ReconnectInterval = TimeSpan.FromMilliseconds(100),
            QuiesceTimeout = TimeSpan.FromSeconds(2),
        });
        var options = new GuestOptions
        {
            Name = "g" + mode + (packed ? "p" : string.Empty),
            PackedRing = packed,
            Mac = "02:00:00:00:0a:01",
            SocketPath = rig.SocketPath,
            SocketMode = mode == VhostUserMode.Server ? GuestSocketMode.QemuClient : GuestSocketMode.QemuServer,
            Role = "ping,reload,ping",
            Ip = "10.0.0.1/24",
            Peer = "10.0.0.2",
            PingCount = 5,
            Timeout = TimeSpan.FromMinutes(5),
        };
        using QemuGuest guest = QemuGuest.Start(image, options);
        var clock = Stopwatch.StartNew();
        int answered = 0;
        VhostUserPortStatus? running = null;
        // The guest powers off when its role is done; its own deadline (Timeout) ends it otherwise. How long the boot
        // takes under TCG depends on how busy the machine is.
        while (!guest.HasExited && clock.Elapsed < options.Timeout)
        {
            (int received, int replies) = AnswerOnce(rig);
            answered += replies;
            if (running is null && rig.Port.State == VSwitch.Core.Ports.PortState.Up)
            {
                running = rig.Port.GetStatus();
            }
            if (received == 0)
            {
                // The guest runs under TCG on the same two CPUs: poll gently while it is idle.
                Thread.Sleep(1);
            }
        }
        output.WriteLine(guest.Console);
        IReadOnlyList<GuestResult> pings = guest.ResultsOf("ping");
        Assert.Equal(2, pings.Count);
        Assert.All(pings, p => Assert.Equal("5", p["received"]));
        Assert.Equal("1", guest.WaitForResult("reload", TimeSpan.Zero)["ok"]);
        Assert.Empty(guest.ResultsOf("error"));
        Assert.NotNull(running);
        output.WriteLine($"{mode}: answered {answered}, features {string.Join(',', running.AckedFeatures)}, protocol {string.Join(',', running.AckedProtocolFeatures)}");
        Assert.Contains("EventIdx", running.AckedFeatures);
        Assert.Equal(packed, running.AckedFeatures.Contains("RingPacked"));
        Assert.All(running.Rings.Where(r => r.Started), r => Assert.Equal(packed ? "packed" : "split", r.Layout));
        Assert.Contains("ReplyAck", running.AckedProtocolFeatures);
    }

    /// <summary>One receive: answers every ARP request and ICMP echo request for the peer address.</summary>
    private static (int Received, int Answered) AnswerOnce(PortHarness rig)
    {
        int n = rig.Port.Receive(0, rig.Batch);
        var replies = new List<byte[]>();
        for (int i = 0; i < n; i++)
        {
            byte[]? reply = Answer(rig.Batch[i].Span);
            if (reply is not null)
            {
                replies.Add(reply);
            }
        }
        rig.Batch.FreeAll();
        if (n > 0)
        {
            rig.Port.CompleteReceive(0);
        }
        rig.Send(0, replies);
        return (n, replies.Count);
    }

    private static byte[]? Answer(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 42)
        {
            return null;
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (type == 0x0806 && BinaryPrimitives.ReadUInt16BigEndian(frame[20..]) == 1 && frame.Slice(38, 4).SequenceEqual(PeerIp))
        {
            // RFC 826: the reply carries our address as sender and the requester's as target.
            byte[] r = frame[..42].ToArray();
            frame.Slice(6, 6).CopyTo(r);
            PeerMac.CopyTo(r, 6);
            r[21] = 2;
            PeerMac.CopyTo(r, 22);
            PeerIp.CopyTo(r, 28);
            frame.Slice(22, 10).CopyTo(r.AsSpan(32));
            return r;
        }
        int ihl = (frame[14] & 0x0f) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
        if (type == 0x0800 && frame[23] == 1 && frame.Slice(30, 4).SequenceEqual(PeerIp) && ihl >= 20 && total > ihl + 8
            && frame.Length >= 14 + total && frame[14 + ihl] == 8)
        {
            byte[] r = frame[..(14 + total)].ToArray();
            frame.Slice(6, 6).CopyTo(r);
            PeerMac.CopyTo(r, 6);
            frame.Slice(26, 4).CopyTo(r.AsSpan(30));
            PeerIp.CopyTo(r, 26);
            int icmp = 14 + ihl;
            r[icmp] = 0;
            r[icmp + 2] = r[icmp + 3] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(icmp + 2), Checksum(r.AsSpan(icmp)));
            return r;
        }
        return null;
    }

    /// <summary>RFC 1071 Internet checksum.</summary>
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
