using System.Diagnostics;
using System.Globalization;
using VSwitch.TestKit;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Integration.Tests.Guests;

/// <summary>
/// Proves the guest kit against DPDK's own vhost backend: dpdk-testpmd cross-connects two net_vhost ports (io mode)
/// and plays the switch, so the switch's end-to-end tests only swap the backend. testpmd forwards on CPU 0, the
/// guests run on CPU 1.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class GuestKitTests(ITestOutputHelper output) : IDisposable
{
    private const string GuestCpus = "1";
    private const string MacA = "02:00:00:00:0a:01";
    private const string MacB = "02:00:00:00:0a:02";
    // Two guests boot under TCG on the same two CPUs as the switch and whatever else CI runs: generous, and still
    // well inside each guest's own 6-minute deadline. Only a failing test waits this long.
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(240);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsg-");
    private readonly List<QemuGuest> _guests = [];

    [Fact]
    public void Two_guests_ping_each_other_and_transfer_through_testpmd()
    {
        GuestImage image = RequireGuestsAndTestPmd();
        var total = Stopwatch.StartNew();
        const long bytes = 16L << 20;
        using var pmd = TestPmdGuestSwitch.Start(_dir.FullName, GuestSocketMode.QemuClient);
        QemuGuest a = Boot(image, Guest("a", MacA, pmd.SocketPath(0)) with { Role = "ping,send", Ip = "10.0.0.1/24", Peer = "10.0.0.2", PingCount = 10, Bytes = bytes });
        QemuGuest b = Boot(image, Guest("b", MacB, pmd.SocketPath(1)) with { Role = "ping,recv", Ip = "10.0.0.2/24", Peer = "10.0.0.1", PingCount = 10 });

        RunChecked(() =>
        {
            GuestResult pingA = a.WaitForResult("ping", BootTimeout);
            GuestResult pingB = b.WaitForResult("ping", BootTimeout);
            GuestResult send = a.WaitForResult("send", TransferTimeout);
            GuestResult recv = b.WaitForResult("recv", TransferTimeout);
            Assert.True(a.WaitForExit(TimeSpan.FromSeconds(60)), "guest a did not power off");
            Assert.True(b.WaitForExit(TimeSpan.FromSeconds(60)), "guest b did not power off");

            AssertNoLoss(pingA, 10);
            AssertNoLoss(pingB, 10);
            string expected = GuestPayload.Md5(bytes);
            Assert.Equal("1", send["ok"]);
            Assert.Equal("1", recv["ok"]);
            Assert.Equal(bytes, send.GetInt64("bytes"));
            Assert.Equal(bytes, recv.GetInt64("bytes"));
            Assert.Equal(expected, send["md5"]);
            Assert.Equal(expected, recv["md5"]);
            Assert.Empty(a.ResultsOf("error"));
            Assert.Empty(b.ResultsOf("error"));

            // Everything a guest sent went through testpmd: io mode forwards port 0's receive to port 1 and back.
            TestPmdPortStats port0 = pmd.Stats(0);
            TestPmdPortStats port1 = pmd.Stats(1);
            Assert.True(port0.RxPackets >= a.WaitForResult("stats", BootTimeout).GetInt64("tx_packets"), $"testpmd port 0 {port0}");
            Assert.True(port1.RxPackets >= b.WaitForResult("stats", BootTimeout).GetInt64("tx_packets"), $"testpmd port 1 {port1}");
            Assert.True(port1.TxBytes >= bytes, $"testpmd port 1 {port1}");

            ReportBoot(a);
            ReportBoot(b);
            ReportPing(a, pingA);
            ReportPing(b, pingB);
            double seconds = send.GetDouble("seconds");
            output.WriteLine($"transfer: {bytes >> 20} MiB in {seconds:F2} s (guest clock) = {bytes * 8 / seconds / 1e6:F1} Mbit/s, md5 {expected} on both sides");
            output.WriteLine($"testpmd: port 0 {port0}; port 1 {port1}");
            output.WriteLine($"total: {total.Elapsed.TotalSeconds:F1} s");
        });
    }

    [Fact]
    public void Guests_listening_as_servers_lose_and_regain_their_peer_and_survive_a_driver_reload()
    {
        GuestImage image = RequireGuestsAndTestPmd();
        var total = Stopwatch.StartNew();
        using var pmd = TestPmdGuestSwitch.Start(_dir.FullName, GuestSocketMode.QemuServer);
        GuestOptions aOptions = Guest("a", MacA, pmd.SocketPath(0)) with
        {
            SocketMode = GuestSocketMode.QemuServer, Role = "ping,hold,probe,reload,ping", Ip = "10.0.0.1/24", Peer = "10.0.0.2",
        };
        GuestOptions bOptions = Guest("b", MacB, pmd.SocketPath(1)) with
        {
            SocketMode = GuestSocketMode.QemuServer, Role = "idle", Ip = "10.0.0.2/24", Seconds = 300,
        };
        QemuGuest a = Boot(image, aOptions);
        QemuGuest b = Boot(image, bOptions);

        RunChecked(() =>
        {
            GuestResult before = a.WaitForResult("ping", BootTimeout);
            a.WaitForResult("hold", BootTimeout);
            b.Dispose();
            a.Resume();
            GuestResult probe = a.WaitForResult("probe", BootTimeout);
            // A new guest b listens on the same socket path; testpmd's client port connects to it again.
            QemuGuest b2 = Boot(image, bOptions with { Name = "b2" });
            GuestResult reload = a.WaitForResult("reload", BootTimeout);
            GuestResult after = a.WaitForResult("ping", BootTimeout, occurrence: 2);
            Assert.True(a.WaitForExit(TimeSpan.FromSeconds(60)), "guest a did not power off");

            AssertNoLoss(before, 5);
            Assert.Equal(5, probe.GetInt64("sent"));
            Assert.Equal(0, probe.GetInt64("received"));
            Assert.Equal("1", reload["ok"]);
            Assert.Equal(2, a.ResultsOf("link").Count);
            AssertNoLoss(after, 5);
            Assert.Empty(a.ResultsOf("error"));
            Assert.Empty(b2.ResultsOf("error"));

            ReportBoot(a);
            ReportBoot(b2);
            output.WriteLine($"a: virtio_net reloaded, link up again after {reload["seconds"]} s (guest clock); reached b2 {(after.At - reload.At).TotalSeconds:F1} s later");
            ReportPing(a, after);
            output.WriteLine($"total: {total.Elapsed.TotalSeconds:F1} s");
        });
    }

    [Fact]
    public void Two_queue_pair_guests_spread_two_streams_over_both_queues()
    {
        GuestImage image = RequireGuestsAndTestPmd();
        var total = Stopwatch.StartNew();
        const long bytes = 4L << 20;
        using var pmd = TestPmdGuestSwitch.Start(_dir.FullName, GuestSocketMode.QemuClient, queues: 2);
        GuestOptions mq = Guest("a", MacA, pmd.SocketPath(0)) with { Queues = 2, Cpus = 2, Streams = 2, Bytes = bytes };
        QemuGuest a = Boot(image, mq with { Role = "ping,send", Ip = "10.0.0.1/24", Peer = "10.0.0.2" });
        QemuGuest b = Boot(image, mq with
        {
            Name = "b", Mac = MacB, SocketPath = pmd.SocketPath(1), MergeableRxBuffers = false,
            Role = "ping,recv", Ip = "10.0.0.2/24", Peer = "10.0.0.1",
        });

        RunChecked(() =>
        {
            string expected = GuestPayload.Md5(bytes);
            var sends = new[] { a.WaitForResult("send", TransferTimeout), a.WaitForResult("send", TransferTimeout, 2) };
            var recvs = new[] { b.WaitForResult("recv", TransferTimeout), b.WaitForResult("recv", TransferTimeout, 2) };
            Assert.True(a.WaitForExit(TimeSpan.FromSeconds(60)), "guest a did not power off");
            Assert.True(b.WaitForExit(TimeSpan.FromSeconds(60)), "guest b did not power off");

            foreach (GuestResult r in sends.Concat(recvs))
            {
                Assert.Equal("1", r["ok"]);
                Assert.Equal(bytes, r.GetInt64("bytes"));
                Assert.Equal(expected, r["md5"]);
            }
            Assert.Equal(["0", "1"], sends.Select(r => r["stream"]).Order());
            Assert.Equal(["0", "1"], recvs.Select(r => r["stream"]).Order());
            ulong fa = CheckFeatures(a);
            ulong fb = CheckFeatures(b);
            Assert.True(GuestFeatures.Has(fa, GuestFeatures.MrgRxbuf), GuestFeatures.Describe(fa));
            Assert.False(GuestFeatures.Has(fb, GuestFeatures.MrgRxbuf), GuestFeatures.Describe(fb));

            // A guest's queue pair i sends into its testpmd port's rx queue i. Every queue carries traffic, though not
            // evenly: with MSI-X off all interrupts reach guest CPU 0, and what TCP sends from the receive softirq
            // leaves on queue 0; a connection opened from CPU 1 leaves on queue 1.
            IReadOnlyList<TestPmdStreamStats> streams = pmd.StreamStats();
            foreach (TestPmdStreamStats s in streams)
            {
                output.WriteLine($"testpmd: {s}");
            }
            foreach (var (port, queue) in new[] { (0, 0), (0, 1), (1, 0), (1, 1) })
            {
                Assert.Contains(streams, s => s.RxPort == port && s.RxQueue == queue && s.RxPackets > 0);
            }

            ReportBoot(a);
            ReportBoot(b);
            output.WriteLine($"features a {a.WaitForResult("features", TimeSpan.Zero)["hex"]}: {GuestFeatures.Describe(fa)}");
            output.WriteLine($"features b {b.WaitForResult("features", TimeSpan.Zero)["hex"]}: {GuestFeatures.Describe(fb)}");
            output.WriteLine($"transfer: 2 streams x {bytes >> 20} MiB in {sends.Max(r => r.GetDouble("seconds")):F2} s (guest clock)");
            output.WriteLine($"total: {total.Elapsed.TotalSeconds:F1} s");
        });
    }

    [Fact]
    public void Jumbo_frames_pass_between_guests_with_host_MTU_9000()
    {
        GuestImage image = RequireGuestsAndTestPmd();
        var total = Stopwatch.StartNew();
        const long bytes = 8L << 20;
        using var pmd = TestPmdGuestSwitch.Start(_dir.FullName, GuestSocketMode.QemuClient);
        // 8972 bytes of ICMP payload + 8 (ICMP) + 20 (IPv4) = 9000: one unfragmented 9014-byte frame each way.
        GuestOptions jumbo = Guest("a", MacA, pmd.SocketPath(0)) with { HostMtu = 9000, PingSize = 8972, Bytes = bytes };
        QemuGuest a = Boot(image, jumbo with { Role = "ping,send", Ip = "10.0.0.1/24", Peer = "10.0.0.2" });
        QemuGuest b = Boot(image, jumbo with { Name = "b", Mac = MacB, SocketPath = pmd.SocketPath(1), Role = "ping,recv", Ip = "10.0.0.2/24", Peer = "10.0.0.1" });

        RunChecked(() =>
        {
            GuestResult pingA = a.WaitForResult("ping", BootTimeout);
            GuestResult send = a.WaitForResult("send", TransferTimeout);
            GuestResult recv = b.WaitForResult("recv", TransferTimeout);
            Assert.True(a.WaitForExit(TimeSpan.FromSeconds(60)), "guest a did not power off");
            Assert.True(b.WaitForExit(TimeSpan.FromSeconds(60)), "guest b did not power off");

            foreach (QemuGuest g in new[] { a, b })
            {
                Assert.Equal("9000", g.WaitForResult("link", TimeSpan.Zero)["mtu"]);
                ulong bits = GuestFeatures.Parse(g.WaitForResult("features", TimeSpan.Zero)["bits"]);
                Assert.True(GuestFeatures.Has(bits, GuestFeatures.Mtu), GuestFeatures.Describe(bits));
            }
            AssertNoLoss(pingA, 5);
            AssertNoLoss(b.WaitForResult("ping", TimeSpan.Zero), 5);
            Assert.Equal("8972", pingA["size"]);
            Assert.Equal(GuestPayload.Md5(bytes), send["md5"]);
            Assert.Equal(GuestPayload.Md5(bytes), recv["md5"]);
            Assert.Equal(bytes, recv.GetInt64("bytes"));

            ReportPing(a, pingA);
            double seconds = send.GetDouble("seconds");
            output.WriteLine($"transfer at MTU 9000: {bytes >> 20} MiB in {seconds:F2} s (guest clock) = {bytes * 8 / seconds / 1e6:F1} Mbit/s");
            output.WriteLine($"total: {total.Elapsed.TotalSeconds:F1} s");
        });
    }

    // Every queue pair is in use, the NIC is a VIRTIO 1.x device with MQ, and the two renderings of the bits agree.
    private static ulong CheckFeatures(QemuGuest g)
    {
        GuestResult link = g.WaitForResult("link", TimeSpan.Zero);
        GuestResult features = g.WaitForResult("features", TimeSpan.Zero);
        ulong bits = GuestFeatures.Parse(features["bits"]);
        Assert.Equal(bits, Convert.ToUInt64(features["hex"], 16));
        Assert.True(GuestFeatures.Has(bits, GuestFeatures.Version1), GuestFeatures.Describe(bits));
        Assert.True(GuestFeatures.Has(bits, GuestFeatures.Mq), GuestFeatures.Describe(bits));
        Assert.Equal("2", link["rxq"]);
        Assert.Equal("2", link["txq"]);
        Assert.Equal(g.Options.Mac, link["mac"]);
        Assert.Equal("2", g.WaitForResult("boot", TimeSpan.Zero)["cpus"]);
        return bits;
    }

    public void Dispose()
    {
        foreach (var g in _guests)
        {
            g.Dispose();
        }
        _dir.Delete(recursive: true);
    }

    private static GuestImage RequireGuestsAndTestPmd()
    {
        TestPmd.RequireAvailable();
        return GuestKit.RequireAvailable();
    }

    private static GuestOptions Guest(string name, string mac, string socket) =>
        new() { Name = name, Mac = mac, SocketPath = socket, CpuAffinity = GuestCpus, Timeout = TimeSpan.FromMinutes(6) };

    private QemuGuest Boot(GuestImage image, GuestOptions options)
    {
        var guest = QemuGuest.Start(image, options);
        _guests.Add(guest);
        output.WriteLine($"{options.Name}: {guest.CommandLine}");
        return guest;
    }

    // On failure the guests' consoles are what explains it.
    private void RunChecked(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            foreach (var g in _guests)
            {
                output.WriteLine($"--- console of {g.Name} (pid {g.Pid}) ---\n{g.Console}");
            }
            throw;
        }
    }

    private static void AssertNoLoss(GuestResult ping, int count)
    {
        Assert.Equal(count, ping.GetInt64("sent"));
        Assert.Equal(count, ping.GetInt64("received"));
    }

    private void ReportBoot(QemuGuest g)
    {
        GuestResult link = g.WaitForResult("link", TimeSpan.Zero);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{g.Name}: link up {link.At.TotalSeconds:F2} s after QEMU started (guest uptime {link["uptime"]} s, init at {g.WaitForResult("boot", TimeSpan.Zero)["uptime"]} s)"));
    }

    private void ReportPing(QemuGuest g, GuestResult ping) =>
        output.WriteLine($"{g.Name}: ping {ping["received"]}/{ping["sent"]} rtt min/avg/max {ping["min"]}/{ping["avg"]}/{ping["max"]} ms");
}
