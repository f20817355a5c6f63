using System.Diagnostics;
using System.Text.Json;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Pcap;

/// <summary>
/// pcap ports through the real vswitchd and vswitchctl: a capture replayed on one port and recorded on another holds the
/// same frames in the same order; two live veth ports let namespaces ping each other through the switch; a corrupt
/// capture shows its error in port-status while other ports keep forwarding.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class PcapPortTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("vscpcap").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_file_made_with_PacketDotNet_is_replayed_and_recorded_byte_for_byte()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        string rx = Path.Combine(_dir, "made.pcap");
        CaptureFiles.Write(rx, CaptureFiles.NumberedFrames(300));
        ReplayAndRecord(rx);
    }

    [Fact]
    public void A_file_made_by_tcpdump_is_replayed_and_recorded_byte_for_byte()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        Prerequisite.Require(VethNamespace.Available, "root and iproute2 for a namespace to capture from");
        string? tcpdumpPath = Prerequisite.FindOnPath("tcpdump");
        Prerequisite.Require(tcpdumpPath is not null, "tcpdump");
        string rx = Path.Combine(_dir, "tcpdump.pcap");
        using (VethNamespace veth = VethNamespace.Create("10.96.0.1/24", "02:00:00:96:00:01"))
        {
            // A static neighbour makes the namespace send its echo requests out of the veth without waiting for ARP.
            veth.Exec("ip", "neigh", "add", "10.96.0.2", "lladdr", "02:00:00:96:00:02", "dev", veth.PeerEnd);
            var start = new ProcessStartInfo(tcpdumpPath!) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in (string[])["-i", veth.HostEnd, "-n", "-U", "-w", rx, "-c", "4", "icmp"])
            {
                start.ArgumentList.Add(a);
            }
            using Process tcpdump = Process.Start(start)!;
            try
            {
                WaitForListening(tcpdump);
                veth.Ping("10.96.0.2", count: 4, deadlineSeconds: 6);
                Assert.True(tcpdump.WaitForExit(10_000), "tcpdump did not capture 4 echo requests");
            }
            finally
            {
                if (!tcpdump.HasExited)
                {
                    tcpdump.Kill();
                    tcpdump.WaitForExit(5000);
                }
            }
        }
        Assert.Equal(4, CaptureFiles.Read(rx).Count);
        ReplayAndRecord(rx);
    }

    [Fact]
    public void Two_live_veth_ports_let_two_namespaces_ping_each_other_through_the_switch()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        Prerequisite.Require(VethNamespace.Available, "root and iproute2 for network namespaces");
        using VethNamespace left = VethNamespace.Create("10.97.0.1/24", "02:00:00:97:00:01");
        using VethNamespace right = VethNamespace.Create("10.97.0.2/24", "02:00:00:97:00:02");
        using var d = new DaemonProcess();
        d.Start();
        Assert.Equal(0, d.Ctl("add-port", "left", "pcap", "--iface", left.HostEnd).ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "right", "pcap", "--iface", right.HostEnd).ExitCode);
        Assert.Contains("mode: live", d.Ctl("port-status", "left").Stdout, StringComparison.Ordinal);

        (int code, string text) = left.Ping(right.Address, count: 3, deadlineSeconds: 10);
        output.WriteLine(text);
        Assert.True(code == 0, "left → right: " + text + d.Ctl("port-stats").Stdout);
        (code, text) = right.Ping(left.Address, count: 3, deadlineSeconds: 10);
        output.WriteLine(text);
        Assert.True(code == 0, "right → left: " + text);
        Assert.Contains("02:00:00:97:00:01", d.Ctl("fdb-show").Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_corrupt_file_port_shows_its_error_while_other_ports_keep_forwarding()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        string good = Path.Combine(_dir, "good.pcap");
        CaptureFiles.Write(good, CaptureFiles.NumberedFrames(10));
        string corrupt = Path.Combine(_dir, "corrupt.pcap");
        var junk = new byte[2048];
        new Random(7).NextBytes(junk);
        File.WriteAllBytes(corrupt, junk);
        string tx = Path.Combine(_dir, "out.pcap");
        using var d = new DaemonProcess();
        d.Start();
        Assert.Equal(0, d.Ctl("add-port", "in", "pcap", "--rx-file", good, "--rx-loop", "--rx-rate", "200", "--ofport", "1").ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "out", "pcap", "--tx-file", tx, "--ofport", "2").ExitCode);
        Assert.Equal(0, d.Ctl("add-flow", "priority=100,in_port=1,actions=output:2").ExitCode);
        CtlResult bad = d.Ctl("add-port", "bad", "pcap", "--rx-file", corrupt, "--ofport", "3");
        Assert.Equal(0, bad.ExitCode);

        JsonElement status = WaitForStatus(d, "bad", s => s.GetProperty("state").GetString() == "error");
        string? error = status.GetProperty("last_error").GetString();
        output.WriteLine(error ?? "(no error)");
        Assert.Contains(corrupt, error, StringComparison.Ordinal);
        Assert.Contains("error", d.Ctl("port-status", "bad").Stdout, StringComparison.Ordinal);

        long before = Recorded(d, "out");
        WaitForStatus(d, "out", s => Recorded(s) > before + 20);
        Assert.Equal("up", Status(d, "in").GetProperty("state").GetString());
        Assert.Equal(0, d.Ctl("show").ExitCode);
    }

    [Fact]
    public void Pcap_ports_come_back_the_same_after_a_restart()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        string rx = Path.Combine(_dir, "in.pcap");
        CaptureFiles.Write(rx, CaptureFiles.NumberedFrames(5));
        string tx = Path.Combine(_dir, "out.pcap");
        using var d = new DaemonProcess();
        d.Start();
        Assert.Equal(0, d.Ctl("add-port", "in", "pcap", "--rx-file", rx, "--rx-rate", "20", "--rx-loop").ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "out", "pcap", "--tx-file", tx).ExitCode);
        string before = d.Ctl("list-ports", "--json").Stdout;
        Assert.Equal(0, d.Terminate());

        d.Start();
        Assert.Equal(before, d.Ctl("list-ports", "--json").Stdout);
        JsonElement s = WaitForStatus(d, "in", s => s.GetProperty("state").GetString() == "up");
        Assert.Equal("true", Detail(s, "rx-loop"));
        Assert.Equal("20 frames/s", Detail(s, "rx-rate"));
        Assert.Equal(rx, Detail(s, "rx-file"));
    }

    private void ReplayAndRecord(string rx)
    {
        List<byte[]> expected = CaptureFiles.Read(rx);
        string tx = Path.Combine(_dir, "recorded.pcap");
        using var d = new DaemonProcess();
        d.Start();
        Assert.Equal(0, d.Ctl("add-port", "out", "pcap", "--tx-file", tx, "--ofport", "2").ExitCode);
        Assert.Equal(0, d.Ctl("add-flow", "priority=100,in_port=1,actions=output:2").ExitCode);
        CtlResult add = d.Ctl("add-port", "in", "pcap", "--rx-file", rx, "--ofport", "1");
        Assert.True(add.ExitCode == 0, add.Stderr);

        WaitForStatus(d, "in", s => s.GetProperty("connection").GetString() == "replay finished");
        WaitForStatus(d, "out", s => Recorded(s) == expected.Count);
        Assert.Contains("replay finished", d.Ctl("port-status", "in").Stdout, StringComparison.Ordinal);
        Assert.Equal(0, d.Ctl("del-port", "out").ExitCode);

        List<byte[]> recorded = CaptureFiles.Read(tx);
        Assert.Equal(expected.Count, recorded.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(recorded[i]), $"frame {i} differs");
        }
        if (Prerequisite.FindOnPath("tshark") is string tshark)
        {
            foreach (string file in (string[])[rx, tx])
            {
                string lines = VethNamespace.Run(tshark, "-r", file, "-T", "fields", "-e", "frame.len");
                Assert.Equal(expected.Count, lines.Split('\n').Count(l => int.TryParse(l, out _)));
            }
        }
    }

    private static void WaitForListening(Process tcpdump)
    {
        // tcpdump prints "listening on IF" on stderr once its capture is open.
        Task<string?> line = tcpdump.StandardError.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(10)), "tcpdump did not start listening");
        Thread.Sleep(200);
    }

    private static long Recorded(DaemonProcess d, string port) => Recorded(Status(d, port));

    private static long Recorded(JsonElement status) =>
        long.Parse(Detail(status, "frames recorded"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The value of one port-status detail line (details are an ordered list of key/value pairs).</summary>
    private static string Detail(JsonElement status, string key)
    {
        foreach (JsonElement d in status.GetProperty("details").EnumerateArray())
        {
            if (d.GetProperty("key").GetString() == key)
            {
                return d.GetProperty("value").GetString()!;
            }
        }
        throw new Xunit.Sdk.XunitException($"port-status has no detail '{key}': {status}");
    }

    private static JsonElement Status(DaemonProcess d, string port)
    {
        CtlResult r = d.Ctl("port-status", port, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Json();
    }

    private static JsonElement WaitForStatus(DaemonProcess d, string port, Func<JsonElement, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        JsonElement s = Status(d, port);
        while (!condition(s))
        {
            Assert.True(clock.Elapsed < Patience, $"port {port} never reached the expected status: {s}\n{d.Log}");
            Thread.Sleep(100);
            s = Status(d, port);
        }
        return s;
    }
}
