using System.Text.Json;
using System.Text.RegularExpressions;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>
/// os-ken's switch conformance tester (<c>os_ken/tests/switch/tester.py</c>, Debian python3-os-ken) run against two
/// vswitchd: the target (the switch under test) and the tester, whose ports 1, 2 and 3 are wired to the target's ports
/// 1, 2 and 3 by veth pairs (live pcap ports on each end). The tester installs each test's flows and groups on the
/// target, sends the test frame into target port 1 with a PACKET_OUT on the tester, and checks what comes back: the
/// frame the tester receives on port 2 (a PACKET_IN of the tester), a PACKET_IN of the target, or, for a miss, the
/// target's table lookup and match counters. The test files are ours (OpenFlow/conformance/*.json), one per group of
/// matches or actions vswitchd supports; every test in them must pass.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed partial class ConformanceTests(ITestOutputHelper output)
{
    private const string TesterApp = "/usr/lib/python3/dist-packages/os_ken/tests/switch/tester.py";
    private const string TargetDpid = "00000000000000a1";
    private const string TesterDpid = "00000000000000a2";

    [Fact]
    public void Os_ken_switch_tester_passes_every_test_of_our_files()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        Prerequisite.Require(VethNamespace.Available, "root and iproute2 for veth pairs");
        Prerequisite.Require(File.Exists(TesterApp), $"{TesterApp} (Debian python3-os-ken) is missing");
        string dir = Path.Combine(AppContext.BaseDirectory, "OpenFlow", "conformance");
        Dictionary<string, int> expected = CountTests(dir);
        int total = expected.Values.Sum();
        Assert.True(total > 0, "no conformance tests in " + dir);

        using var wires = new VethWires(3);
        // Our wrapper (OpenFlow/apps/conformance_tester.py) runs the tester with its fixed waits turned into deadlines.
        using var controller = new OsKenController("conformance_tester.py", null, "--test-switch-target", TargetDpid, "--test-switch-tester", TesterDpid,
            "--test-switch-dir", dir);
        using var target = new DaemonProcess();
        using var tester = new DaemonProcess();
        target.Start("--pmd-cpus", "0", "--datapath-id", TargetDpid);
        tester.Start("--pmd-cpus", "1", "--datapath-id", TesterDpid);
        try
        {
            for (int i = 0; i < wires.Count; i++)
            {
                // Added in order, so the OpenFlow port numbers are 1, 2, 3 on both switches and port N faces port N.
                Ok(target.Ctl("add-port", $"p{i + 1}", "pcap", "--iface", wires.TargetEnd(i)));
                Ok(tester.Ctl("add-port", $"p{i + 1}", "pcap", "--iface", wires.TesterEnd(i)));
            }
            foreach (DaemonProcess d in new[] { target, tester })
            {
                Ok(d.Ctl("set-fail-mode", "secure"));
                Ok(d.Ctl("del-flows"));
            }
            controller.Start();
            Ok(target.Ctl("set-controller", controller.Target));
            Ok(tester.Ctl("set-controller", controller.Target));

            // The tester stops the manager when it has run every file; a failing test costs it a 20 s deadline at most.
            bool ended = controller.WaitForExit(TimeSpan.FromSeconds(120 + (5 * total)));
            string log = controller.Output;
            output.WriteLine(log);
            Assert.True(ended, "the tester did not finish");
            Assert.Contains("dpid=" + TargetDpid + " : Join target SW.", log, StringComparison.Ordinal);
            Assert.Contains("dpid=" + TesterDpid + " : Join tester SW.", log, StringComparison.Ordinal);

            List<(string Test, string Result, string Detail)> results = Results(log);
            string[] failed = [.. results.Where(r => r.Result != "OK").Select(r => $"{r.Test}: {r.Detail}")];
            Assert.True(failed.Length == 0, $"{failed.Length} of {results.Count} conformance tests failed:\n" + string.Join('\n', failed)
                + "\n--- target vswitchd log:\n" + target.Log);
            Assert.Equal(total, results.Count);
            Assert.Contains($"OK({total}) / ERROR(0)", log, StringComparison.Ordinal);
            foreach ((string file, int count) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"{file}: {count} tests passed");
            }
        }
        catch
        {
            output.WriteLine("--- target vswitchd log:\n" + target.Log + "\n--- tester vswitchd log:\n" + tester.Log);
            throw;
        }
    }

    /// <summary>The number of tests in each file (a file is a JSON array: its description, then one object per test).</summary>
    private static Dictionary<string, int> CountTests(string dir)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(dir, "*.json"))
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
            counts[Path.GetFileName(file)] = doc.RootElement.EnumerateArray().Count(e => e.ValueKind == JsonValueKind.Object);
        }
        return counts;
    }

    /// <summary>
    /// The tester's verdicts: a line of four spaces, the test's description and OK or ERROR, and for an ERROR the reason on
    /// the next line (eight spaces).
    /// </summary>
    private static List<(string Test, string Result, string Detail)> Results(string log)
    {
        string[] lines = log.Split('\n');
        var results = new List<(string, string, string)>();
        for (int i = 0; i < lines.Length; i++)
        {
            Match m = Verdict().Match(lines[i].TrimEnd('\r'));
            if (m.Success)
            {
                string detail = m.Groups[2].Value == "ERROR" && i + 1 < lines.Length ? lines[i + 1].Trim() : "";
                results.Add((m.Groups[1].Value, m.Groups[2].Value, detail));
            }
        }
        return results;
    }

    [GeneratedRegex(@"^    (\S.*?)\s+(OK|ERROR)$")]
    private static partial Regex Verdict();

    private static void Ok(CtlResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    /// <summary>
    /// Veth pairs in the test's namespace, one per port pair: the target's end and the tester's end. IPv6 is off on both
    /// ends before they come up, so the kernel sends nothing of its own into the switches (the tester takes any
    /// PACKET_IN as the answer to its test frame). Dispose deletes the pairs.
    /// </summary>
    private sealed class VethWires : IDisposable
    {
        private readonly List<(string Target, string Tester)> _pairs = [];

        public VethWires(int count)
        {
            try
            {
                for (int i = 0; i < count; i++)
                {
                    string a = HostCommand.UniqueName("cft");
                    string b = HostCommand.UniqueName("cfs");
                    HostCommand.Ip("link", "add", a, "type", "veth", "peer", "name", b);
                    _pairs.Add((a, b));
                    foreach (string end in new[] { a, b })
                    {
                        VethNamespace.Run("sysctl", "-q", "-w", $"net.ipv6.conf.{end}.disable_ipv6=1");
                        HostCommand.Ip("link", "set", end, "up");
                    }
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public int Count => _pairs.Count;

        public string TargetEnd(int i) => _pairs[i].Target;

        public string TesterEnd(int i) => _pairs[i].Tester;

        public void Dispose()
        {
            foreach ((string a, _) in _pairs)
            {
                HostCommand.IpQuiet("link", "del", a);
            }
            _pairs.Clear();
        }
    }
}
