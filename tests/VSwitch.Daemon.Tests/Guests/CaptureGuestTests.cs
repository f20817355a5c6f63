using System.Text.Json;
using VSwitch.Daemon.Tests.Capture;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Daemon.Tests.Guests;

/// <summary>
/// Captures on the ports of two real Linux guests (QEMU under TCG) that ping each other and move 4 MiB over TCP:
/// an <c>icmp</c> capture on both ports holds the pings (each seen entering one port and leaving the other) and
/// nothing else, and a full capture of one port matches that port's counters.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class CaptureGuestTests(ITestOutputHelper output) : IDisposable
{
    private const string MacA = "52:54:00:00:00:0a";
    private const string MacB = "52:54:00:00:00:0b";
    private static readonly TimeSpan s_boot = TimeSpan.FromMinutes(2);
    private readonly List<QemuGuest> _guests = [];
    private readonly DaemonProcess _d = new();

    [Fact]
    public void Guest_ping_and_transfer_an_ICMP_filter_keeps_exactly_the_pings_and_a_full_capture_matches_the_port_counters()
    {
        var image = GuestKit.RequireAvailable();
        Tshark.Require();
        _d.Start("--pmd-cpus", "0");
        foreach (string port in new[] { "vm1", "vm2" })
        {
            Assert.Equal(0, _d.Ctl("add-port", port, "vhostuser", "--socket", Path.Combine(_d.Root, port + ".sock")).ExitCode);
        }
        string icmpFile = Path.Combine(_d.Root, "icmp.pcapng"), allFile = Path.Combine(_d.Root, "vm2.pcapng");
        using var icmp = CaptureProcess.Start(_d, "vm1", "vm2", "--filter", "icmp", "-w", icmpFile, "--json");
        using var all = CaptureProcess.Start(_d, "vm2", "--snaplen", "256", "-w", allFile, "--json");
        icmp.WaitStreaming(s_boot);
        all.WaitStreaming(s_boot);
        Eventually.True(() => _d.Ctl("capture-list", "--json").Json().GetProperty("captures").EnumerateArray()
            .Count(c => c.GetProperty("state").GetString() == "running") == 2, "two running captures", s_boot, () => _d.Ctl("capture-list").Stdout);

        const long bytes = 4L << 20;
        var a = Boot(image, "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,send,idle", bytes);
        var b = Boot(image, "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "ping,recv,idle", bytes);
        try
        {
            Assert.Equal("5", a.WaitForResult("ping", s_boot)["received"]);
            Assert.Equal("5", b.WaitForResult("ping", s_boot)["received"]);
            Assert.Equal("1", b.WaitForResult("recv", TimeSpan.FromMinutes(4))["ok"]);
        }
        catch
        {
            foreach (var g in _guests)
            {
                output.WriteLine($"--- {g.Name} console:\n{g.Console}");
            }
            throw;
        }
        // The guests idle now; stop them so the counters are final, then end the captures.
        foreach (var g in _guests)
        {
            g.Dispose();
        }
        var (rx, toward) = SettledCounters("vm2");
        icmp.Interrupt();
        all.Interrupt();
        JsonElement icmpSummary = Summary(icmp.WaitForExit(TimeSpan.FromMinutes(1)));
        JsonElement allSummary = Summary(all.WaitForExit(TimeSpan.FromMinutes(1)));

        string[] pings = Tshark.Fields(icmpFile, null, "frame.interface_name", "frame.packet_flags_direction", "icmp.type");
        output.WriteLine($"icmp capture: {pings.Length} frames, {icmpSummary.GetProperty("filtered").GetInt64()} filtered out; " +
            $"vm2 capture: {allSummary.GetProperty("captured").GetInt64()} frames, ring full {allSummary.GetProperty("dropped").GetInt64()}; vm2 rx {rx} toward {toward}");
        // a pings b and b pings a (at least 5 each; the guests' reachability probes add a few): every echo request and
        // reply received from one port is seen sent to the other, and the pings are all there.
        foreach (string type in new[] { "8", "0" })
        {
            Assert.Equal(pings.Count(p => p == $"vm1|0x00000001|{type}"), pings.Count(p => p == $"vm2|0x00000002|{type}"));
            Assert.Equal(pings.Count(p => p == $"vm2|0x00000001|{type}"), pings.Count(p => p == $"vm1|0x00000002|{type}"));
            Assert.True(pings.Count(p => p == $"vm1|0x00000001|{type}") >= 5, string.Join("\n", pings));
            Assert.True(pings.Count(p => p == $"vm2|0x00000001|{type}") >= 5, string.Join("\n", pings));
        }
        Assert.Equal(pings.Length, pings.Count(p => p.EndsWith("|8", StringComparison.Ordinal) || p.EndsWith("|0", StringComparison.Ordinal)));
        Assert.True(icmpSummary.GetProperty("filtered").GetInt64() > 1000, "the TCP transfer should have been filtered out");
        Assert.Empty(Tshark.Fields(icmpFile, "!icmp", "frame.number"));

        long captured = allSummary.GetProperty("captured").GetInt64();
        Assert.Equal(rx + toward, captured + allSummary.GetProperty("dropped").GetInt64());
        Assert.Equal(captured, Tshark.Fields(allFile, null, "frame.number").Length);
        Assert.True(Tshark.Fields(allFile, "tcp.len > 0", "frame.number").Length > 100, "the transfer is in the capture");
    }

    public void Dispose()
    {
        foreach (var g in _guests)
        {
            g.Dispose();
        }
        _d.Dispose();
    }

    private QemuGuest Boot(GuestImage image, string port, string name, string mac, string ip, string peer, string role, long bytes)
    {
        var guest = QemuGuest.Start(image, new GuestOptions
        {
            Name = name,
            Mac = mac,
            SocketPath = Path.Combine(_d.Root, port + ".sock"),
            SocketMode = GuestSocketMode.QemuClient,
            CpuAffinity = "1",
            Timeout = TimeSpan.FromMinutes(6),
            Role = role,
            Ip = ip,
            Peer = peer,
            PingCount = 5,
            Bytes = bytes,
            Seconds = 120,
        });
        _guests.Add(guest);
        return guest;
    }

    private static JsonElement Summary(CtlResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stderr[r.Stderr.IndexOf('{', StringComparison.Ordinal)..]);
        return doc.RootElement.Clone();
    }

    private (long Rx, long Toward) SettledCounters(string port)
    {
        (long, long) previous = (-1, -1);
        for (int i = 0; i < 50; i++)
        {
            var p = _d.Ctl("port-stats", port, "--json").Json().GetProperty("ports")[0];
            var tx = p.GetProperty("tx");
            (long, long) current = (p.GetProperty("rx").GetProperty("packets").GetInt64(), tx.GetProperty("packets").GetInt64() + tx.GetProperty("drops").GetInt64());
            if (current == previous)
            {
                return current;
            }
            previous = current;
            _d.WaitForDatapathRest();
        }
        Assert.Fail("port counters did not settle");
        return previous;
    }
}
