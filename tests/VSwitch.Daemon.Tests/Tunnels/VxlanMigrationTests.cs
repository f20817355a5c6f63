using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Guests;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit;
using VSwitch.TestKit.Guests;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tunnels;

/// <summary>
/// A VM moves between hosts: two vswitchd hosts on one bridged underlay, joined by VXLAN; a real Linux guest (QEMU
/// under TCG) on host A's vhost-user port is live-migrated to a QEMU waiting with <c>-incoming</c> on host B's. Each
/// QEMU runs inside its host's network namespace, so the migration stream is TCP between the hosts' underlay addresses,
/// on the same links as the tunnel, as between two hypervisors. A peer on host A (a tap endpoint) streams to the VM
/// across the switchover: before it the stream stays on host A, after it it crosses the tunnel.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class VxlanMigrationTests(ITestOutputHelper output) : IDisposable
{
    private const int Vni = 5082;
    private const string VmMac = "52:54:00:00:82:20";
    private const string VmIp = "192.168.82.20";
    private const string PeerIp = "192.168.82.11";
    private const int Port = 5001;
    private const long MaxBandwidth = 20L << 20;

    /// <summary>Where host B's QEMU waits for the migration stream: B's underlay address.</summary>
    private const string Incoming = "tcp:10.82.0.2:4444";

    /// <summary>
    /// The VM reads its stream at most 64 KiB per 40 ms: 12 MiB take at least 7.5 s, and the data waits in its socket
    /// buffers across the switchover (as in LiveMigrationTests).
    /// </summary>
    private const long StreamBytes = 12L << 20;

    private const int PaceMicroseconds = 40_000;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromMinutes(4);
    private readonly List<QemuGuest> _guests = [];
    private readonly List<DaemonProcess> _daemons = [];
    private Qmp? _qmp;
    private TunnelHosts? _hosts;

    [Fact]
    public void A_guest_migrates_from_host_A_to_host_B_over_the_underlay_and_a_peer_on_A_keeps_its_tcp_stream_to_it()
    {
        var sw = Stopwatch.StartNew();
        // The VM pings the peer every 20 ms in the background (replies stamped, for the longest gap), and receives the
        // peer's stream paced; the guest kernel does not zero the pages it hands out, so a page the switch wrote but did
        // not mark in the dirty log would reach host B stale and change the md5.
        Checked(() =>
        {
            (NetNamespace ha, DaemonProcess da, DaemonProcess db, NetNamespace peer, QemuGuest source, QemuGuest destination, Qmp qmp) =
                Start(o => o with
                {
                    Role = "pinger,recv,pingend",
                    PingInterval = 0.02,
                    Bytes = StreamBytes,
                    Port = Port,
                    Pace = PaceMicroseconds,
                    KernelExtra = ["init_on_alloc=0"],
                });
            source.WaitForResult("listen", BootTimeout);
            Assert.Equal("vm", MigrationSteps.FdbPort(da, VmMac));

            string file = Path.Combine(da.Root, "stream.bin");
            using (FileStream f = File.Create(file))
            {
                GuestPayload.Write(f, StreamBytes);
            }
            Task sender = Task.Run(() => TapNamespaces.Send(peer, VmIp, Port, file, refusedFor: TimeSpan.FromMinutes(1)));
            Eventually.True(() =>
            {
                Assert.False(sender.IsFaulted, "the peer's sender failed: " + sender.Exception);
                return TxBytes(da, "vm") > (1 << 20);
            }, "1 MiB from the peer to the VM on host A", BootTimeout, () => da.Ctl("port-stats").Stdout);

            long underlayBefore = TunnelHosts.TxBytes(ha, "ul");
            MigrationSteps.Start(qmp, Incoming, MaxBandwidth);
            JsonObject active = MigrationSteps.WaitForProgress(qmp, MigrationTimeout);
            if (MigrationSteps.Status(active) == "active")
            {
                Assert.Contains("dirty logging: on", da.Ctl("port-status", "vm").Stdout, StringComparison.Ordinal);
            }
            JsonObject done = MigrationSteps.WaitForCompletion(qmp, MigrationTimeout);
            // The migration stream left host A on its underlay link.
            long transferred = MigrationSteps.Ram(done, "transferred");
            long underlay = TunnelHosts.TxBytes(ha, "ul") - underlayBefore;
            Assert.True(underlay >= transferred, $"host A's underlay link sent {underlay} bytes, the migration {transferred}");
            long marked = long.Parse(MigrationSteps.Detail(da.Ctl("port-status", "vm", "--json").Json(), "dirty pages marked"),
                CultureInfo.InvariantCulture);
            Assert.True(marked > 0, "host A's switch marked no dirty page while the VM received its stream");

            // The VM now runs on host B: host A learns its MAC on the tunnel port, host B on its local port.
            Eventually.True(() => MigrationSteps.FdbPort(da, VmMac) == "to-b" && MigrationSteps.FdbPort(db, VmMac) == "vm",
                $"{VmMac} on to-b at host A and on vm at host B", TimeSpan.FromSeconds(60),
                () => "host A:\n" + da.Ctl("fdb-show").Stdout + "\nhost B:\n" + db.Ctl("fdb-show").Stdout);
            output.WriteLine("--- host A fdb-show after the switchover:\n" + da.Ctl("fdb-show").Stdout);
            output.WriteLine("--- host B fdb-show after the switchover:\n" + db.Ctl("fdb-show").Stdout);
            JsonElement stats = da.Ctl("fdb-show", "--json").Json().GetProperty("stats");
            Assert.True(stats.GetProperty("moved").GetInt64() >= 1, "host A counts no MAC move: " + stats);

            // The stream went on from host B and arrived whole; it had not ended before the switchover.
            Assert.True(sender.Wait(StreamTimeout), "the peer's sender did not finish");
            sender.GetAwaiter().GetResult();
            Assert.Empty(source.ResultsOf("recv"));
            GuestResult recv = destination.WaitForResult("recv", StreamTimeout);
            Assert.True(recv["ok"] == "1", recv.Line);
            Assert.Equal(GuestPayload.Md5(StreamBytes), recv["md5"]);
            GuestResult ping = destination.WaitForResult("pingend", StreamTimeout);
            Assert.Equal("1", ping["ok"]);
            MigrationSteps.AssertNoChecksumErrors(destination);
            Assert.True(TunnelHosts.Counter(da, "to-b", "rx") > 0 && TunnelHosts.Counter(da, "to-b", "tx") > 0, da.Ctl("port-stats").Stdout);
            long gap = ping.GetInt64("longest_gap_ms");
            output.WriteLine($"host A -> host B: downtime {done["downtime"]} ms, total {done["total-time"]} ms, "
                + $"{transferred >> 20} MiB migrated, {underlay >> 20} MiB sent on host A's underlay link meanwhile; host A's switch marked {marked} pages; "
                + $"VM pings to the peer every 20 ms: {ping["sent"]} sent, {ping["received"]} answered, longest gap {gap} ms; "
                + $"stream of {StreamBytes >> 20} MiB in {recv["seconds"]} s, md5 equal; scenario {sw.Elapsed.TotalSeconds:F0} s");
            // Generous, as for the single-host migration: TCG on a busy machine stretches the downtime; a MAC that never
            // moved would leave the VM without answers for far longer.
            Assert.True(gap < 10_000, $"the VM got no echo reply for {gap} ms");
        });
    }

    [Fact]
    public void Without_guest_announce_host_B_announces_the_moved_MAC_with_a_RARP_frame_and_host_A_learns_it_on_its_tunnel()
    {
        var sw = Stopwatch.StartNew();
        // The VM reaches the peer once, then idles; without IPv6 and without guest announce it sends nothing by itself
        // after the switchover: only the RARP frame host B's switch sends for it (VHOST_USER_SEND_RARP) can tell host A
        // where it went.
        Checked(() =>
        {
            (_, DaemonProcess da, DaemonProcess db, NetNamespace peer, QemuGuest source, _, Qmp qmp) = Start(o => o with
            {
                Role = "reach,idle",
                GuestAnnounce = false,
                KernelExtra = ["ipv6.disable=1"],
            });
            source.WaitForResult("reach", BootTimeout);
            Assert.Equal("vm", MigrationSteps.FdbPort(da, VmMac));
            PinNeighbour(peer, VmIp, VmMac);
            MigrationSteps.Start(qmp, Incoming, MaxBandwidth);
            JsonObject done = MigrationSteps.WaitForCompletion(qmp, MigrationTimeout);
            Eventually.True(() => MigrationSteps.FdbPort(da, VmMac) == "to-b" && MigrationSteps.FdbPort(db, VmMac) == "vm",
                $"{VmMac} on to-b at host A and on vm at host B", TimeSpan.FromSeconds(60),
                () => "host A:\n" + da.Ctl("fdb-show").Stdout + "\nhost B:\n" + db.Ctl("fdb-show").Stdout);
            // The VM itself sent nothing on host B (the switch's RARP is not counted as received from it).
            Assert.True(TunnelHosts.Counter(db, "vm", "rx") == 0, db.Ctl("port-stats", "vm").Stdout);
            string text = db.Ctl("port-status", "vm").Stdout;
            Assert.DoesNotContain(" GuestAnnounce ", text, StringComparison.Ordinal);
            JsonElement status = db.Ctl("port-status", "vm", "--json").Json();
            Assert.Equal(VmMac, MigrationSteps.Detail(status, "rarp mac"));
            long rarps = long.Parse(MigrationSteps.Detail(status, "rarp sent"), CultureInfo.InvariantCulture);
            Assert.True(rarps >= 1, "host B sent no RARP: " + text);
            Assert.True(TunnelHosts.Counter(db, "to-a", "tx") > 0, db.Ctl("port-stats").Stdout);
            output.WriteLine("--- host A fdb-show after the switchover:\n" + da.Ctl("fdb-show").Stdout);
            // The peer on host A reaches the VM on host B now.
            TunnelHosts.Ping(peer, VmIp);
            output.WriteLine($"guest_announce=off: downtime {done["downtime"]} ms; host B sent {rarps} RARP frame(s); "
                + $"scenario {sw.Elapsed.TotalSeconds:F0} s");
        });
    }

    /// <summary>
    /// Two hosts on one bridged underlay (A 10.82.0.1, B 10.82.0.2), each a vswitchd with vhost-user port vm and a
    /// tunnel to the other, a tap endpoint "peer" on A; the VM booting on A's port (QEMU in A's namespace) and a QEMU
    /// waiting for it with <c>-incoming</c> on B's (in B's namespace). <paramref name="shape"/> sets the VM's role.
    /// </summary>
    private (NetNamespace Ha, DaemonProcess Da, DaemonProcess Db, NetNamespace Peer, QemuGuest Source, QemuGuest Destination, Qmp Qmp)
        Start(Func<GuestOptions, GuestOptions> shape)
    {
        GuestImage image = GuestKit.RequireAvailable();
        var hosts = _hosts = new TunnelHosts();
        NetNamespace u = hosts.Underlay();
        NetNamespace ha = hosts.Namespace("vxa"), hb = hosts.Namespace("vxb");
        TunnelHosts.Link(ha, "10.82.0.1/24", u, "ha", null);
        TunnelHosts.Link(hb, "10.82.0.2/24", u, "hb", null);
        DaemonProcess da = hosts.Daemon(ha);
        _daemons.Add(da);
        DaemonProcess db = hosts.Daemon(hb);
        _daemons.Add(db);
        (NetNamespace peer, _) = hosts.Endpoint(da, ha, "peer", PeerIp + "/24");
        TunnelHosts.Tunnel(da, "to-b", "10.82.0.1", "10.82.0.2", Vni);
        TunnelHosts.Tunnel(db, "to-a", "10.82.0.2", "10.82.0.1", Vni);
        foreach (DaemonProcess d in new[] { da, db })
        {
            TunnelHosts.Ok(d.Ctl("add-port", "vm", "vhostuser", "--socket", Path.Combine(d.Root, "vm.sock")));
        }
        GuestOptions src = shape(new GuestOptions
        {
            Name = "vm-src",
            Netns = ha.Name,
            Mac = VmMac,
            SocketPath = Path.Combine(da.Root, "vm.sock"),
            SocketMode = GuestSocketMode.QemuClient,
            QmpSocket = Path.Combine(da.Root, "vm.qmp"),
            Timeout = TimeSpan.FromMinutes(10),
            Ip = VmIp + "/24",
            Peer = PeerIp,
            Mtu = 1450,
            Seconds = 300,
        });
        GuestOptions dst = src with
        {
            Name = "vm-dst",
            Netns = hb.Name,
            SocketPath = Path.Combine(db.Root, "vm.sock"),
            QmpSocket = Path.Combine(db.Root, "vm.qmp"),
            Incoming = Incoming,
        };
        QemuGuest source = Launch(image, src), destination = Launch(image, dst);
        Qmp qmp = _qmp = Qmp.Connect(src.QmpSocket!, TimeSpan.FromSeconds(30));
        return (ha, da, db, peer, source, destination, qmp);
    }

    private static long TxBytes(DaemonProcess d, string port) =>
        d.Ctl("port-stats", port, "--json").Json().GetProperty("ports")[0].GetProperty("tx").GetProperty("bytes").GetInt64();

    private QemuGuest Launch(GuestImage image, GuestOptions options)
    {
        QemuGuest g = QemuGuest.Start(image, options);
        _guests.Add(g);
        return g;
    }

    /// <summary>
    /// Makes <paramref name="ns"/>'s neighbour entry for <paramref name="ip"/> permanent. The peer learnt the VM's address
    /// from the VM's ARP request; left alone, its kernel re-confirms that entry with a unicast ARP probe some seconds after
    /// it last used it, and the VM's answer would be a frame the VM sent by itself after the switchover.
    /// </summary>
    private static void PinNeighbour(NetNamespace ns, string ip, string mac)
    {
        (int code, string links, string error) = ns.Exec(10_000, "ip", "-o", "link", "show");
        Assert.True(code == 0, "ip link show: " + error);
        string dev = links.Split('\n').Select(l => l.Split(':', StringSplitOptions.TrimEntries)).Where(f => f.Length > 1 && f[1] != "lo")
            .Select(f => f[1].Split('@')[0]).First();
        (code, _, error) = ns.Exec(10_000, "ip", "neigh", "replace", ip, "lladdr", mac, "dev", dev, "nud", "permanent");
        Assert.True(code == 0, $"ip neigh replace {ip} dev {dev}: {error}");
    }

    private void Checked(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            TunnelHosts.DumpOnFailure(output, _guests, _daemons);
            throw;
        }
    }

    public void Dispose()
    {
        _qmp?.Dispose();
        foreach (QemuGuest g in _guests)
        {
            g.Dispose();
        }
        _hosts?.Dispose();
    }
}
