using System.Diagnostics;
using System.Text.Json;
using VSwitch.Daemon.Tests.Capture;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit.Guests;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Guests;

/// <summary>
/// Checksum and segmentation offload between a real Linux guest (QEMU under TCG) on a vhost-user port and the kernel of
/// a network namespace behind a tap port of the same vswitchd: an md5-checked TCP transfer each way, with neither
/// kernel counting a checksum error. With the tap's offloads on, super-frames and pending checksums cross whole in both
/// directions; with them off, the datapath must segment the guest's super-frames and complete its checksums before the
/// tap. Captures of that second case (the tap as it was handed the frames, the guest's port with <c>--segments</c>)
/// read in tshark with checksum validation on hold only complete, MTU-sized frames with good IP and TCP checksums; a
/// capture of the offloading tap holds super-frames whole, their checksums completed over the whole payload.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class GuestTapOffloadTests(ITestOutputHelper output) : IDisposable
{
    private const string GuestMac = "52:54:00:00:00:1a";
    private const long Bytes = 4L << 20;
    private const int Port = 5001;
    private const ulong OffloadBits = (1UL << 0) | (1UL << 1) | (1UL << 7) | (1UL << 8) | (1UL << 11) | (1UL << 12);

    /// <summary>The longest frame an MTU of 1500 allows on the wire, without FCS: 14 bytes of Ethernet header, 1500 of IP.</summary>
    private const int MaxWireFrame = 1514;

    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(4);
    private QemuGuest? _guest;
    private DaemonProcess? _daemon;

    [Fact]
    public void An_offloading_guest_and_an_offloading_tap_exchange_TCP_both_ways_without_checksum_errors()
    {
        var image = GuestKit.RequireAvailable();
        using var hosts = new TapNamespaces();
        using var d = StartSwitch();
        (NetNamespace ns, _) = hosts.AddHost(d, "t1", "10.87.0.2/24");
        AddGuestPort(d);
        // Super-frames are recorded whole here: the largest snaplen, so tshark sees (and validates) every byte of them.
        string tapFile = Path.Combine(d.Root, "t1-whole.pcapng");
        using var tapCapture = CaptureProcess.Start(d, "t1", "--snaplen", "262144", "-w", tapFile, "--json");
        tapCapture.WaitStreaming(BootTimeout);
        Checked(() =>
        {
            Assert.Contains("offloads: csum tso4 tso6 tso_ecn", d.Ctl("port-status", "t1").Stdout, StringComparison.Ordinal);
            long nsErrors = TapOffloadTests.InCsumErrors(ns);

            Exchange(image, d, ns, "10.87.0.1/24", "10.87.0.2");

            (long rx, long tx) = TapOffloadTests.SuperFrames(d, "t1");
            output.WriteLine($"tap t1 super-frames: rx {rx}, tx {tx}");
            // The namespace's kernel sends as fast as the guest's window lets it and builds super-frames from its first
            // flight on; how many the guest under TCG builds depends on its pace, so that direction is only printed.
            Assert.True(rx > 0, "the namespace's kernel handed t1 no super-frame");
            Assert.Equal(0, TapOffloadTests.TxDrops(d, "t1", "PacketTooLarge"));
            Assert.Equal(nsErrors, TapOffloadTests.InCsumErrors(ns));
        });

        tapCapture.Interrupt();
        output.WriteLine("t1 capture: " + Summary(tapCapture.WaitForExit(TimeSpan.FromMinutes(1))));
        // The namespace's super-frames were received whole from t1 and are recorded whole, their checksums completed.
        AssertGoodChecksums(tapFile, superFrames: true);
    }

    [Fact]
    public void An_offloading_guest_and_a_tap_with_offloads_off_exchange_TCP_both_ways_and_captures_hold_only_good_checksums()
    {
        var image = GuestKit.RequireAvailable();
        Tshark.Require();
        using var hosts = new TapNamespaces();
        using var d = StartSwitch();
        (NetNamespace ns, _) = hosts.AddHost(d, "t1", "10.87.1.2/24", "--offloads", "off");
        AddGuestPort(d);
        string tapFile = Path.Combine(d.Root, "t1.pcapng"), guestFile = Path.Combine(d.Root, "vm1-segments.pcapng");
        // Full frames (the default snaplen): tshark can only validate a checksum over the whole segment.
        using var tapCapture = CaptureProcess.Start(d, "t1", "-w", tapFile, "--json");
        using var guestCapture = CaptureProcess.Start(d, "vm1", "--segments", "-w", guestFile, "--json");
        tapCapture.WaitStreaming(BootTimeout);
        guestCapture.WaitStreaming(BootTimeout);
        Checked(() =>
        {
            Assert.Contains("offloads: off", d.Ctl("port-status", "t1").Stdout, StringComparison.Ordinal);
            long nsErrors = TapOffloadTests.InCsumErrors(ns);

            Exchange(image, d, ns, "10.87.1.1/24", "10.87.1.2");

            JsonElement rx = d.Ctl("port-stats", "vm1", "--json").Json().GetProperty("ports")[0].GetProperty("rx");
            long frames = rx.GetProperty("packets").GetInt64();
            long segments = _guest!.WaitForResult("snmp", TimeSpan.Zero).GetInt64("tcp_out_segs");
            output.WriteLine($"vm1 sent {segments} TCP segments in {frames} frames, {(double)rx.GetProperty("bytes").GetInt64() / frames:F0} B on average");
            output.WriteLine($"tap t1 super-frames: {TapOffloadTests.SuperFrames(d, "t1")}");
            Assert.Equal((0L, 0L), TapOffloadTests.SuperFrames(d, "t1"));
            Assert.Equal(0, TapOffloadTests.TxDrops(d, "t1", "PacketTooLarge"));
            Assert.Equal(nsErrors, TapOffloadTests.InCsumErrors(ns));
        });

        tapCapture.Interrupt();
        guestCapture.Interrupt();
        output.WriteLine("t1 capture: " + Summary(tapCapture.WaitForExit(TimeSpan.FromMinutes(1))));
        output.WriteLine("vm1 --segments capture: " + Summary(guestCapture.WaitForExit(TimeSpan.FromMinutes(1))));
        AssertGoodChecksums(tapFile, superFrames: false);
        AssertGoodChecksums(guestFile, superFrames: false);
    }

    /// <summary>
    /// Boots the guest on vhost-user port vm1 (offloads on) at <paramref name="guestIp"/>; it pings the namespace,
    /// sends <see cref="Bytes"/> of the guest payload to it and then receives as much from it. Both md5 sums are checked
    /// against the payload's own, and the guest's kernel must count no checksum or IP header error.
    /// </summary>
    private void Exchange(GuestImage image, DaemonProcess d, NetNamespace ns, string guestIp, string nsIp)
    {
        string socket = Path.Combine(d.Root, "vm1.sock");
        string received = Path.Combine(d.Root, "from-guest.bin"), toGuest = Path.Combine(d.Root, "to-guest.bin");
        using (FileStream f = File.Create(toGuest))
        {
            GuestPayload.Write(f, Bytes);
        }
        string expected = GuestPayload.Md5(Bytes);
        // The guest's send role retries its connection until the listener is there; it is there before the guest boots.
        using Process listener = TapNamespaces.Listen(ns, Port, received);
        try
        {
            _guest = QemuGuest.Start(image, new GuestOptions
            {
                Name = "g",
                Mac = GuestMac,
                SocketPath = socket,
                SocketMode = GuestSocketMode.QemuClient,
                CpuAffinity = "1",
                Timeout = TimeSpan.FromMinutes(6),
                Role = "ping,send,recv",
                Ip = guestIp,
                Peer = nsIp,
                PingCount = 3,
                Bytes = Bytes,
                Port = Port,
                Seconds = 120,
                Offloads = true,
            });
            _guest.WaitForResult("ping", BootTimeout);
            // While the guest runs: what its port negotiated (the details go once it powers off).
            string status = d.Ctl("port-status", "vm1").Stdout;
            output.WriteLine(status);
            Assert.Contains("offloads from guest: csum,tso4,tso6,ecn", status, StringComparison.Ordinal);
            Assert.Contains("offloads to guest: csum,tso4,tso6,ecn", status, StringComparison.Ordinal);
            ulong features = GuestFeatures.Parse(_guest.WaitForResult("features", TimeSpan.Zero)["bits"]);
            output.WriteLine($"guest features: {GuestFeatures.Describe(features)}");
            Assert.Equal(OffloadBits, features & OffloadBits);

            GuestResult sent = _guest.WaitForResult("send", TransferTimeout);
            Assert.True(sent["ok"] == "1", sent.Line);
            TapNamespaces.WaitForListener(listener);
            Assert.Equal(expected, TapNamespaces.Md5(received), StringComparer.OrdinalIgnoreCase);
            Assert.Equal(expected, sent["md5"]);

            _guest.WaitForResult("listen", TransferTimeout);
            TapNamespaces.Send(ns, guestIp[..guestIp.IndexOf('/', StringComparison.Ordinal)], Port, toGuest, refusedFor: TimeSpan.FromMinutes(1));
            GuestResult recv = _guest.WaitForResult("recv", TransferTimeout);
            Assert.True(recv["ok"] == "1", recv.Line);
            Assert.Equal(expected, recv["md5"]);
            output.WriteLine($"{Bytes >> 20} MiB guest -> namespace in {sent["seconds"]} s, namespace -> guest in {recv["seconds"]} s");

            GuestResult snmp = _guest.WaitForResult("snmp", TimeSpan.FromMinutes(1));
            output.WriteLine(snmp.Line);
            Assert.Equal("0", snmp["tcp_in_csum_errors"]);
            Assert.Equal("0", snmp["udp_in_csum_errors"]);
            Assert.Equal("0", snmp["icmp_in_csum_errors"]);
            Assert.Equal("0", snmp["ip_in_hdr_errors"]);
        }
        finally
        {
            TapNamespaces.EndListener(listener);
        }
    }

    /// <summary>
    /// Reads <paramref name="file"/> with tshark validating IPv4 header and TCP checksums: it holds TCP frames carrying
    /// data, every TCP frame's and every IPv4 header's checksum is good (neither bad nor unverified, which a truncated
    /// frame would be). Without <paramref name="superFrames"/> no frame is longer than an MTU of 1500 allows (segments,
    /// not super-frames); with it, some are.
    /// </summary>
    private void AssertGoodChecksums(string file, bool superFrames)
    {
        // tshark 4.0: checksum status 0 = Bad, 1 = Good, 2 = Unverified (tshark -G values). A TCP checksum that comes
        // out as zero is sent as 0xffff, its other one's-complement form, by Linux (CSUM_MANGLED_0) and by the switch alike;
        // receivers accept it (the sum over the segment is still 0xffff), but tshark reports it as bad with its own
        // expert note, tcp.checksum.ffff. About one frame in 65536 has it, so those are counted apart, not failed.
        int data = Count(file, "tcp.len > 0");
        int notGood = Count(file, NotGood);
        int bad = Count(file, "(tcp.checksum.status == 0 && !tcp.checksum.ffff) || ip.checksum.status == 0");
        int negativeZero = Count(file, "tcp.checksum.ffff");
        int oversized = Count(file, $"frame.len > {MaxWireFrame}");
        output.WriteLine($"{Path.GetFileName(file)}: {Count(file, "tcp")} TCP frames, {data} with data, {bad} bad checksums, "
            + $"{negativeZero} TCP checksums 0xffff for 0, "
            + $"{notGood} not validated good, {oversized} longer than {MaxWireFrame} bytes");
        if (notGood > 0)
        {
            string[] detail = Tshark.Run(Tshark.Path, ["-r", file, .. ChecksumPrefs, "-V", "-x", "-Y", NotGood]);
            output.WriteLine(string.Join('\n', detail.Take(400)));
        }
        Assert.True(data > 100, $"{file}: the transfer is not in the capture");
        Assert.Equal(0, bad);
        Assert.Equal(0, notGood);
        if (superFrames)
        {
            Assert.True(oversized > 0, $"{file}: no super-frame was recorded whole");
        }
        else
        {
            Assert.Equal(0, oversized);
        }
    }

    private const string NotGood = "(tcp && !(tcp.checksum.status == 1) && !tcp.checksum.ffff) || (ip && !(ip.checksum.status == 1))";

    private static readonly string[] ChecksumPrefs = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"];

    private static int Count(string file, string filter) =>
        Tshark.Run(Tshark.Path, ["-r", file, .. ChecksumPrefs, "-T", "fields", "-e", "frame.number", "-Y", filter]).Length;

    private static string Summary(CtlResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stderr.Trim();
    }

    private static void AddGuestPort(DaemonProcess d)
    {
        CtlResult r = d.Ctl("add-port", "vm1", "vhostuser", "--socket", Path.Combine(d.Root, "vm1.sock"));
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    private DaemonProcess StartSwitch()
    {
        var d = new DaemonProcess();
        _daemon = d;
        d.Start("--pmd-cpus", "0");
        return d;
    }

    private void Checked(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            if (_guest is not null)
            {
                output.WriteLine($"--- {_guest.Name} console:\n{_guest.Console}");
            }
            output.WriteLine("--- vswitchd log:\n" + (_daemon?.Log ?? ""));
            throw;
        }
    }

    public void Dispose() => _guest?.Dispose();
}
