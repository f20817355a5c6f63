using System.Text.Json;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Capture;

/// <summary>
/// Captures on tap ports: two network namespaces behind tap ports ping each other and move 1 MiB over TCP while an
/// <c>icmp</c> capture runs on both ports and a full capture runs on one. The icmp file holds every echo request and
/// reply, each seen entering one port and leaving the other; the full capture (frames captured plus frames the ring
/// had no room for) equals what the port's counters moved during the capture, and tshark reads both files.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class CaptureTapTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void Ping_and_transfer_between_tap_namespaces_are_captured_in_both_directions_and_match_the_counters()
    {
        Tshark.Require();
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, string ifA) = hosts.AddHost(d, "ta", "10.87.0.1/24");
        (NetNamespace b, string ifB) = hosts.AddHost(d, "tb", "10.87.0.2/24");
        // No IPv6 chatter (router solicitations, MLD) and no ARP: the only frames on the ports are the test's own. With
        // learnt neighbours, the kernel re-probes a stale entry by itself some 5 s after it was last confirmed (two frames
        // on the port), which lands between the counter baseline and the capture start when the captures start slowly.
        a.Exec(10_000, "sysctl", "-qw", $"net.ipv6.conf.{ifA}.disable_ipv6=1");
        b.Exec(10_000, "sysctl", "-qw", $"net.ipv6.conf.{ifB}.disable_ipv6=1");
        PinNeighbour(a, ifA, "10.87.0.2", b, ifB);
        PinNeighbour(b, ifB, "10.87.0.1", a, ifA);
        TapNamespaces.Ping(a, "10.87.0.2", count: 1);

        (long rx0, long toward0) = QuietCounters(d, "ta");
        string icmpFile = Path.Combine(d.Root, "icmp.pcapng"), allFile = Path.Combine(d.Root, "ta.pcapng");
        using var icmp = CaptureProcess.Start(d, "ta", "tb", "--filter", "icmp", "-w", icmpFile, "--json");
        using var all = CaptureProcess.Start(d, "ta", "-w", allFile, "--json");
        icmp.WaitStreaming(s_patience);
        all.WaitStreaming(s_patience);
        WaitRunning(d, 2);

        TapNamespaces.Ping(a, "10.87.0.2", count: 5);
        TapNamespaces.Ping(b, "10.87.0.1", count: 5);
        TapNamespaces.Transfer(a, b, "10.87.0.2", 1 << 20, d.Root);
        (long rx1, long toward1) = QuietCounters(d, "ta");
        icmp.Interrupt();
        all.Interrupt();
        JsonElement icmpSummary = Summary(icmp.WaitForExit(TimeSpan.FromMinutes(1)));
        JsonElement allSummary = Summary(all.WaitForExit(TimeSpan.FromMinutes(1)));

        long captured = allSummary.GetProperty("captured").GetInt64();
        long dropped = allSummary.GetProperty("dropped").GetInt64();
        output.WriteLine($"ta: rx {rx1 - rx0}, toward {toward1 - toward0}; captured {captured}, ring full {dropped}; " +
            $"icmp capture filtered out {icmpSummary.GetProperty("filtered").GetInt64()}");
        Assert.Equal(rx1 - rx0 + toward1 - toward0, captured + dropped);
        Assert.Equal(captured, Tshark.Fields(allFile, null, "frame.number").Length);
        // Taps offload segmentation by default, so the 1 MiB may cross as a few dozen super-frames: count bytes, not frames.
        long tcpBytes = Tshark.Fields(allFile, "tcp.len > 0", "tcp.len").Sum(long.Parse);
        Assert.True(tcpBytes >= 1 << 20, $"the transfer is in the capture ({tcpBytes} TCP payload bytes)");
        Assert.True(Tshark.Fields(allFile, "frame.packet_flags_direction == 1", "frame.number").Length > 0, "inbound frames");
        Assert.True(Tshark.Fields(allFile, "frame.packet_flags_direction == 2", "frame.number").Length > 0, "outbound frames");

        string[] pings = Tshark.Fields(icmpFile, null, "frame.interface_name", "frame.packet_flags_direction", "icmp.type");
        foreach (string type in new[] { "8", "0" })
        {
            // Each echo frame that entered one port left through the other; 5 + 5 (+ the reachability probes) each way.
            Assert.Equal(pings.Count(p => p == $"ta|0x00000001|{type}"), pings.Count(p => p == $"tb|0x00000002|{type}"));
            Assert.Equal(pings.Count(p => p == $"tb|0x00000001|{type}"), pings.Count(p => p == $"ta|0x00000002|{type}"));
            Assert.True(pings.Count(p => p.EndsWith("|0x00000001|" + type, StringComparison.Ordinal)) >= 10, string.Join("\n", pings));
        }
        Assert.Empty(Tshark.Fields(icmpFile, "!icmp", "frame.number"));
        // Every non-ICMP frame the full capture saw on ta was offered to the ICMP capture there too (which also watches tb).
        int nonIcmpOnTa = Tshark.Fields(allFile, "!icmp", "frame.number").Length;
        Assert.True(nonIcmpOnTa > 0 && icmpSummary.GetProperty("filtered").GetInt64() >= nonIcmpOnTa,
            $"the TCP transfer should have been filtered out ({nonIcmpOnTa} non-ICMP frames on ta)");
    }

    /// <summary>Gives <paramref name="ns"/> a permanent neighbour entry for <paramref name="ip"/> at <paramref name="peerIf"/>'s address.</summary>
    private static void PinNeighbour(NetNamespace ns, string ifName, string ip, NetNamespace peer, string peerIf)
    {
        string mac = peer.ReadSys($"/sys/class/net/{peerIf}/address");
        (int code, _, string stderr) = ns.Exec(10_000, "ip", "neigh", "replace", ip, "lladdr", mac, "dev", ifName, "nud", "permanent");
        Assert.True(code == 0, $"ip neigh replace {ip} in {ns.Name}: {stderr}");
    }

    private static void WaitRunning(DaemonProcess d, int count)
    {
        DateTime deadline = DateTime.UtcNow + s_patience;
        while (d.Ctl("capture-list", "--json").Json().GetProperty("captures").EnumerateArray()
                   .Count(c => c.GetProperty("state").GetString() == "running") < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the captures did not start");
            Thread.Sleep(100);
        }
    }

    private static JsonElement Summary(CtlResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stderr[r.Stderr.IndexOf('{', StringComparison.Ordinal)..]);
        return doc.RootElement.Clone();
    }

    /// <summary>The port's received and toward-port (sent + dropped on send) frame counts once they stop moving for a second.</summary>
    private static (long Rx, long Toward) QuietCounters(DaemonProcess d, string port)
    {
        (long, long) previous = (-1, -1);
        DateTime deadline = DateTime.UtcNow + s_patience;
        while (DateTime.UtcNow < deadline)
        {
            JsonElement p = d.Ctl("port-stats", port, "--json").Json().GetProperty("ports")[0];
            JsonElement tx = p.GetProperty("tx");
            (long, long) current = (p.GetProperty("rx").GetProperty("packets").GetInt64(),
                tx.GetProperty("packets").GetInt64() + tx.GetProperty("drops").GetInt64());
            if (current == previous)
            {
                return current;
            }
            previous = current;
            Thread.Sleep(1000);
        }
        Assert.Fail("port counters did not settle");
        return previous;
    }
}
