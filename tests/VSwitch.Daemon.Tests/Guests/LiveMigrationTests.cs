using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VSwitch.Daemon.Tests.Capture;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using VSwitch.TestKit.Guests;
using Xunit;
using static VSwitch.Daemon.Tests.Guests.MigrationSteps;

namespace VSwitch.Daemon.Tests.Guests;

/// <summary>
/// Live migration of a real Linux guest (QEMU under TCG) between two vhost-user ports of one vswitchd, as a hypervisor
/// host does it: a peer guest on port p0, the migrating VM on port src, and a destination QEMU started with
/// <c>-incoming</c> on port dst. QEMU copies the VM's memory while it runs, slowed to 20 MiB/s so the switch keeps
/// the dirty log for seconds, while TCP streams run both ways through the switch. Whatever the switch writes into the
/// VM's memory in that time (received frames, used rings) must be marked in the log, or the destination resumes with
/// stale pages: the md5 of a stream then differs. Two things keep a lost log from hiding: the guests boot with
/// <c>init_on_alloc=0</c> (the kernel does not zero pages it hands out, which would hide stale content), and the VM
/// reads its stream with pauses, so received data waits in its socket buffers across the switchover instead of being
/// consumed before the copy. The datapath thread runs on CPU 0, the guests on CPU 1.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class LiveMigrationTests(ITestOutputHelper output) : IDisposable
{
    private const string PeerMac = "52:54:00:00:00:0a";
    private const string VmMac = "52:54:00:00:00:0b";
    private const long MaxBandwidth = 20L << 20;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromMinutes(4);
    private readonly List<QemuGuest> _guests = [];
    private readonly List<Qmp> _qmps = [];
    private DaemonProcess? _daemon;

    /// <summary>
    /// Bytes per stream and the receivers' pause after each read of at most 64 KiB: each stream lasts at least
    /// bytes / (64 KiB / pace) = 12 MiB / 1.6 MiB/s = 7.5 s, longer than the migration it must span.
    /// </summary>
    private const long StreamBytes = 12L << 20;

    private const int PaceMicroseconds = 40_000;

    [Theory]
    [InlineData("vhostuser")]
    [InlineData("vhostuserclient")]
    public void A_guest_streaming_both_ways_migrates_to_another_port_and_nothing_is_lost(string type)
    {
        var sw = Stopwatch.StartNew();
        var s = Start(type, peerRole: "pinger,duplex,pingend", vmRole: "reach,duplex", queues: 1);
        Checked(() =>
        {
            WaitForStreams(s);
            JsonObject done = Migrate(s);
            AssertStreamsCrossedTheSwitchover(s, streams: 1);
            GuestResult ping = s.Peer.WaitForResult("pingend", StreamTimeout);
            Assert.Equal("1", ping["ok"]);
            AssertNoChecksumErrors(s.Dst, s.Peer);
            AssertMacOn("dst");
            long gap = ping.GetInt64("longest_gap_ms");
            output.WriteLine($"{type}: downtime {done["downtime"]} ms, total {done["total-time"]} ms, "
                + $"{Ram(done, "transferred") >> 20} MiB sent in {Ram(done, "dirty-sync-count")} passes; switch marked {s.PagesMarked} pages "
                + $"in a log of {s.LogBytes} bytes; pings every 10 ms from the peer: {ping["sent"]} sent, {ping["received"]} answered, "
                + $"longest gap {gap} ms; scenario {sw.Elapsed.TotalSeconds:F0} s");
            // Generous: under TCG on a busy machine the guest clock and the downtime stretch; a MAC that never moved
            // or a lost ring would leave the peer without answers for far longer.
            Assert.True(gap < 10_000, $"the peer got no echo reply for {gap} ms");
        });
    }

    [Fact]
    public void Without_guest_announce_the_switch_announces_the_moved_MAC_with_a_RARP_frame()
    {
        Tshark.Require();
        var sw = Stopwatch.StartNew();
        // The VM only idles after its first ping, and without IPv6 it sends nothing by itself: after the switchover
        // only the switch's RARP (VHOST_USER_SEND_RARP) can move its MAC. The peer waits, then pings the VM again.
        var s = Start("vhostuser", peerRole: "reach,hold,ping", vmRole: "reach,idle", queues: 1, guestAnnounce: false,
            extraKernel: ["ipv6.disable=1"]);
        Checked(() =>
        {
            s.Peer.WaitForResult("hold", BootTimeout);
            s.Src.WaitForResult("reach", BootTimeout);
            AssertMacOn("src");
            string file = Path.Combine(s.D.Root, "p0.pcapng");
            using var capture = CaptureProcess.Start(s.D, "p0", "-w", file);
            capture.WaitStreaming(BootTimeout);
            JsonObject done = Migrate(s);
            string dstStatus = s.D.Ctl("port-status", "dst").Stdout;
            Assert.DoesNotContain(" GuestAnnounce ", dstStatus, StringComparison.Ordinal);
            AssertMacOn("dst");
            JsonElement dst = s.D.Ctl("port-status", "dst", "--json").Json();
            Assert.Equal(VmMac, Detail(dst, "rarp mac"));
            Assert.True(long.Parse(Detail(dst, "rarp sent"), CultureInfo.InvariantCulture) >= 1, "no RARP sent: " + dst);
            capture.Interrupt();
            capture.WaitForExit(TimeSpan.FromMinutes(1));
            string[] rarp = Tshark.Fields(file, $"eth.type == 0x8035 && eth.src == {VmMac}", "frame.packet_flags_direction", "eth.dst", "arp.opcode", "arp.src.hw_mac");
            output.WriteLine("RARP frames sent to p0 (direction|destination|opcode|sender MAC):\n" + string.Join("\n", rarp));
            Assert.Contains(rarp, f => f.StartsWith("0x00000002|ff:ff:ff:ff:ff:ff|3|" + VmMac, StringComparison.Ordinal));
            s.Peer.Resume();
            Assert.Equal("5", s.Peer.WaitForResult("ping", BootTimeout)["received"]);
            output.WriteLine($"guest_announce=off: downtime {done["downtime"]} ms; {rarp.Length} RARP frame(s) on p0; scenario {sw.Elapsed.TotalSeconds:F0} s");
        });
    }

    [Fact]
    public void A_multiqueue_guest_migrates_with_a_stream_on_each_queue_pair()
    {
        var sw = Stopwatch.StartNew();
        var s = Start("vhostuser", peerRole: "duplex", vmRole: "reach,duplex", queues: 2);
        Checked(() =>
        {
            WaitForStreams(s);
            JsonObject done = Migrate(s);
            // The streams go on from the destination: frames enter its port on both queue pairs (read while the VM
            // still runs there; the port's queues go when it powers off).
            long q0 = 0, q1 = 0;
            Eventually.True(() =>
            {
                JsonElement queues = s.D.Ctl("port-stats", "dst", "--queues", "--json").Json().GetProperty("ports")[0].GetProperty("queues");
                q0 = queues.GetArrayLength() > 1 ? queues[0].GetProperty("rx").GetProperty("packets").GetInt64() : 0;
                q1 = queues.GetArrayLength() > 1 ? queues[1].GetProperty("rx").GetProperty("packets").GetInt64() : 0;
                return q0 > 0 && q1 > 0;
            }, "frames from the VM on both queue pairs of dst", TimeSpan.FromSeconds(60), () => s.D.Ctl("port-stats", "dst", "--queues").Stdout);
            AssertStreamsCrossedTheSwitchover(s, streams: 2);
            AssertNoChecksumErrors(s.Dst, s.Peer);
            AssertMacOn("dst");
            output.WriteLine($"queues=2: downtime {done["downtime"]} ms, total {done["total-time"]} ms; dst rx queue 0: {q0}, queue 1: {q1} "
                + $"frames soon after the switchover; scenario {sw.Elapsed.TotalSeconds:F0} s");
        });
    }

    [Fact]
    public void A_cancelled_migration_leaves_the_source_running_with_logging_off_and_its_streams_whole()
    {
        var sw = Stopwatch.StartNew();
        var s = Start("vhostuserclient", peerRole: "duplex", vmRole: "reach,duplex", queues: 1);
        Checked(() =>
        {
            WaitForStreams(s);
            MigrationSteps.Start(s.SrcQmp, s.Incoming, MaxBandwidth);
            // Well into the first copy: the switch logs every write by now.
            JsonObject active = s.SrcQmp.WaitForMigration(m => Status(m) != "setup" && Ram(m, "transferred") > (16L << 20), MigrationTimeout, "16 MiB copied");
            Assert.Equal("active", Status(active));
            string during = s.D.Ctl("port-status", "src").Stdout;
            output.WriteLine("--- port-status src while migrating:\n" + during);
            Assert.Contains(" LogAll ", during, StringComparison.Ordinal);
            Assert.Contains("dirty logging: on", during, StringComparison.Ordinal);
            s.SrcQmp.Execute("migrate_cancel");
            JsonObject cancelled = s.SrcQmp.WaitForMigration(m => Status(m) is "cancelled" or "completed" or "failed", MigrationTimeout, "end");
            Assert.Equal("cancelled", Status(cancelled));
            Assert.Equal("running", s.SrcQmp.Execute("query-status")!["status"]!.GetValue<string>());
            // QEMU stops logging: LOG_ALL is acked off again (SET_FEATURES), and the switch says so.
            Eventually.True(() =>
            {
                string status = s.D.Ctl("port-status", "src").Stdout;
                return !status.Contains(" LogAll ", StringComparison.Ordinal) && status.Contains("dirty logging: off", StringComparison.Ordinal);
            }, "LOG_ALL and dirty logging off on src", TimeSpan.FromSeconds(60), () => s.D.Ctl("port-status", "src").Stdout);
            output.WriteLine("--- port-status src after the cancel:\n" + s.D.Ctl("port-status", "src").Stdout);
            string md5 = GuestPayload.Md5(StreamBytes);
            GuestResult recv = s.Src.WaitForResult("recv", StreamTimeout);
            Assert.Equal(md5, recv["md5"]);
            Assert.Equal(md5, s.Src.WaitForResult("send", StreamTimeout)["md5"]);
            Assert.Equal(md5, s.Peer.WaitForResult("recv", StreamTimeout)["md5"]);
            AssertNoChecksumErrors(s.Src, s.Peer);
            Assert.Empty(s.Dst.Results);
            AssertMacOn("src");
            output.WriteLine($"cancelled after {Ram(active, "transferred") >> 20} MiB; the source's streams ended {recv["seconds"]} s after they began; "
                + $"scenario {sw.Elapsed.TotalSeconds:F0} s");
        });
    }

    private sealed record Scenario(DaemonProcess D, QemuGuest Peer, QemuGuest Src, QemuGuest Dst, Qmp SrcQmp, string Incoming)
    {
        /// <summary>Pages the switch marked in the source's log (port-status), once the migration completed.</summary>
        public long PagesMarked { get; set; }

        /// <summary>Size of the source's log (port-status), once the migration completed.</summary>
        public long LogBytes { get; set; }
    }

    private Scenario Start(string type, string peerRole, string vmRole, int queues, bool? guestAnnounce = null,
        IReadOnlyList<string>? extraKernel = null)
    {
        var image = GuestKit.RequireAvailable();
        var d = new DaemonProcess();
        _daemon = d;
        d.Start("--pmd-cpus", "0");
        foreach (string port in new[] { "p0", "src", "dst" })
        {
            var r = d.Ctl("add-port", port, type, "--socket", Path.Combine(d.Root, port + ".sock"));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        var mode = type == "vhostuser" ? GuestSocketMode.QemuClient : GuestSocketMode.QemuServer;
        var peer = new GuestOptions
        {
            Name = "peer",
            Mac = PeerMac,
            SocketPath = Path.Combine(d.Root, "p0.sock"),
            SocketMode = mode,
            CpuAffinity = "1",
            Timeout = TimeSpan.FromMinutes(8),
            Role = peerRole,
            Ip = "10.0.0.1/24",
            Peer = "10.0.0.2",
            PingInterval = 0.01,
            Bytes = StreamBytes,
            Streams = queues,
            Pace = PaceMicroseconds,
            Seconds = 300,
            KernelExtra = ["init_on_alloc=0", .. extraKernel ?? []],
        };
        var vm = peer with
        {
            Name = "vm-src",
            Mac = VmMac,
            SocketPath = Path.Combine(d.Root, "src.sock"),
            Role = vmRole,
            Ip = "10.0.0.2/24",
            Peer = "10.0.0.1",
            PingInterval = null,
            Queues = queues,
            Cpus = queues,
            GuestAnnounce = guestAnnounce,
            QmpSocket = Path.Combine(d.Root, "src.qmp"),
        };
        string incoming = "unix:" + Path.Combine(d.Root, "migration.sock");
        var dstOptions = vm with
        {
            Name = "vm-dst",
            SocketPath = Path.Combine(d.Root, "dst.sock"),
            QmpSocket = Path.Combine(d.Root, "dst.qmp"),
            Incoming = incoming,
        };
        var peerGuest = Launch(image, peer);
        var src = Launch(image, vm);
        var dst = Launch(image, dstOptions);
        var qmp = Qmp.Connect(vm.QmpSocket!, TimeSpan.FromSeconds(30));
        _qmps.Add(qmp);
        return new Scenario(d, peerGuest, src, dst, qmp, incoming);
    }

    /// <summary>Waits until at least 1 MiB went each way through the VM's port: both streams run.</summary>
    private void WaitForStreams(Scenario s)
    {
        Eventually.True(() =>
        {
            foreach (QemuGuest g in new[] { s.Peer, s.Src })
            {
                Assert.False(g.HasExited, $"guest {g.Name} ended before its streams ran:\n{g.Console}");
            }
            JsonElement port = s.D.Ctl("port-stats", "src", "--json").Json().GetProperty("ports")[0];
            return port.GetProperty("rx").GetProperty("bytes").GetInt64() > (1 << 20) && port.GetProperty("tx").GetProperty("bytes").GetInt64() > (1 << 20);
        }, "1 MiB each way through port src", BootTimeout + BootTimeout, () => s.D.Ctl("port-stats", "src").Stdout);
    }

    /// <summary>Starts the migration at 20 MiB/s and waits for it to complete; prints the ports meanwhile.</summary>
    private JsonObject Migrate(Scenario s)
    {
        MigrationSteps.Start(s.SrcQmp, s.Incoming, MaxBandwidth);
        JsonObject active = MigrationSteps.WaitForProgress(s.SrcQmp, MigrationTimeout);
        if (Status(active) == "active")
        {
            string during = s.D.Ctl("port-status", "src").Stdout;
            output.WriteLine("--- port-status src while migrating:\n" + during);
            Assert.Contains("dirty logging: on", during, StringComparison.Ordinal);
        }
        JsonObject done = MigrationSteps.WaitForCompletion(s.SrcQmp, MigrationTimeout);
        // The source stays connected (paused): its log counters are still there. The switch wrote into the VM while
        // QEMU copied it (received frames, used rings), so it marked pages.
        JsonElement src = s.D.Ctl("port-status", "src", "--json").Json();
        s.PagesMarked = long.Parse(Detail(src, "dirty pages marked"), CultureInfo.InvariantCulture);
        s.LogBytes = long.Parse(Detail(src, "dirty log bytes"), CultureInfo.InvariantCulture);
        Assert.True(s.PagesMarked > 0, "no dirty pages marked on src: " + src);
        Assert.Equal("0", Detail(src, "dirty pages beyond log"));
        output.WriteLine("--- port-status src after the switchover:\n" + s.D.Ctl("port-status", "src").Stdout);
        output.WriteLine("--- port-status dst after the switchover:\n" + s.D.Ctl("port-status", "dst").Stdout);
        return done;
    }

    /// <summary>
    /// Both directions of every stream ended on the destination (the source printed no result for them) with the
    /// payload's md5 on both ends.
    /// </summary>
    private void AssertStreamsCrossedTheSwitchover(Scenario s, int streams)
    {
        string md5 = GuestPayload.Md5(StreamBytes);
        string early = string.Join("\n", s.Src.Results.Where(r => r.Fact is "recv" or "send").Select(r => r.Line));
        Assert.True(early.Length == 0, "a stream ended before the switchover (the payload is too small for this machine's pace):\n" + early);
        for (int i = 1; i <= streams; i++)
        {
            GuestResult vmRecv = s.Dst.WaitForResult("recv", StreamTimeout, i);
            GuestResult vmSend = s.Dst.WaitForResult("send", StreamTimeout, i);
            GuestResult peerRecv = s.Peer.WaitForResult("recv", StreamTimeout, i);
            Assert.Equal(md5, vmRecv["md5"]);
            Assert.Equal(md5, vmSend["md5"]);
            Assert.Equal(md5, peerRecv["md5"]);
            Assert.Equal(md5, s.Peer.WaitForResult("send", StreamTimeout, i)["md5"]);
            output.WriteLine($"stream {vmRecv["stream"]}: peer to VM {vmRecv["seconds"]} s, VM to peer {peerRecv["seconds"]} s, md5 {md5} on both ends");
        }
    }

    private void AssertMacOn(string port)
    {
        Eventually.True(() => MigrationSteps.FdbPort(_daemon!, VmMac) == port, $"{VmMac} learned on {port}", TimeSpan.FromSeconds(60), () => _daemon!.Ctl("fdb-show").Stdout);
        output.WriteLine("--- fdb-show:\n" + _daemon!.Ctl("fdb-show").Stdout);
        if (port == "dst")
        {
            JsonElement stats = _daemon.Ctl("fdb-show", "--json").Json().GetProperty("stats");
            Assert.True(stats.GetProperty("moved").GetInt64() >= 1, "fdb-show counts no MAC move: " + stats);
        }
    }

    private QemuGuest Launch(GuestImage image, GuestOptions options)
    {
        var guest = QemuGuest.Start(image, options);
        _guests.Add(guest);
        return guest;
    }

    private void Checked(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            foreach (var g in _guests)
            {
                output.WriteLine($"--- {g.Name} console:\n{g.Console}");
            }
            output.WriteLine("--- vswitchd log:\n" + (_daemon?.Log ?? ""));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var q in _qmps)
        {
            q.Dispose();
        }
        foreach (var g in _guests)
        {
            g.Dispose();
        }
        _daemon?.Dispose();
    }
}
