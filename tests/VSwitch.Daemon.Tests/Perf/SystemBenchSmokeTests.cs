using System.Diagnostics;
using System.Text.Json;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Perf;

/// <summary>
/// The system benchmark's smoke mode (perf/VSwitch.SystemBench, <c>--smoke</c>): a testpmd generator circulating
/// 64-byte frames through vswitchd for a two-second window. Asserts only that packets crossed the switch both ways
/// and that the datapath thread allocated nothing during the window; speed is not judged here.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class SystemBenchSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Packets_cross_vswitchd_both_ways_with_nothing_allocated_on_the_datapath_thread()
    {
        TestPmd.RequireAvailable();
        string bench = Path.Combine(Path.GetDirectoryName(Programs.Daemon)!, "..", "..", "..", "..", "..", "perf", "VSwitch.SystemBench", "bin",
            new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name, "net10.0", "vswitch-system-bench.dll");
        Assert.True(File.Exists(bench), "the benchmark is not built: " + bench);
        string json = Path.Combine(Path.GetTempPath(), $"vsbench-smoke-{Environment.ProcessId}.json");
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { bench, "--smoke", "--json", json, "--vswitchd", Programs.Daemon, "--vswitchctl", Programs.Ctl })
            {
                psi.ArgumentList.Add(a);
            }
            using Process p = Process.Start(psi)!;
            Task<string> stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            Task<string> stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
            {
                timeout.CancelAfter(TimeSpan.FromMinutes(3));
                try
                {
                    await p.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(10_000);
                    Assert.Fail("the smoke benchmark did not finish within 3 minutes");
                }
            }
            output.WriteLine(await stdout);
            output.WriteLine(await stderr);

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement m = doc.RootElement.GetProperty("measurements").EnumerateArray().Single();
            Assert.False(m.TryGetProperty("error", out JsonElement error), "measurement failed: " + error);
            Assert.True(m.GetProperty("rx_port0").GetInt64() > 0, "nothing crossed the switch toward port 0");
            Assert.True(m.GetProperty("rx_port1").GetInt64() > 0, "nothing crossed the switch toward port 1");
            Assert.Equal(0, m.GetProperty("allocated_bytes").GetInt64());
            Assert.Equal(0, p.ExitCode);
        }
        finally
        {
            File.Delete(json);
        }
    }

    /// <summary>
    /// The VXLAN mode's smoke run (<c>--vxlan --smoke</c>): two host namespaces on a veth underlay, a vswitchd in each with
    /// a tap port and a vxlan port, and one 2-second iperf3 window between the endpoint namespaces. Asserts only that
    /// TCP data crossed the tunnel and that everything the run made was removed; speed is not judged here.
    /// </summary>
    [Fact]
    public async Task Tcp_crosses_a_vxlan_tunnel_between_two_vswitchd_hosts()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "the VXLAN mode needs root (network namespaces, tap devices)");
        Prerequisite.Require(Prerequisite.FindOnPath("iperf3") is not null, "iperf3 is missing (scripts/setup.sh installs it)");
        Prerequisite.Require(Prerequisite.FindOnPath("busybox") is not null, "busybox is missing");
        (int code, string stdout, string stderr, int pid) = await RunBench(["--vxlan", "--smoke"]);
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.True(code == 0, $"the VXLAN smoke run failed ({code}): {stderr}");
        Assert.Contains("smoke: PASS", stdout, StringComparison.Ordinal);
        Assert.Contains("| 1 | vswitchd-vxlan |", stdout, StringComparison.Ordinal);
        // What each side negotiated is on the window's line: the taps' offloads and the tunnel's segmentation offload.
        Assert.Contains("tx segmentation on", stdout, StringComparison.Ordinal);
        // The run's namespaces (hosts vsbx, endpoints vsbn, named with its PID) are gone.
        string[] left = [.. Namespaces().Where(n => n.StartsWith($"vsbx{pid % 100000}x", StringComparison.Ordinal) || n.StartsWith($"vsbn{pid % 100000}x", StringComparison.Ordinal))];
        Assert.True(left.Length == 0, "namespaces left behind: " + string.Join(", ", left));
    }

    private static string[] Namespaces() => Directory.Exists("/run/netns") ? [.. Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>()] : [];

    private static async Task<(int Code, string Stdout, string Stderr, int Pid)> RunBench(string[] args)
    {
        string bench = Path.Combine(Path.GetDirectoryName(Programs.Daemon)!, "..", "..", "..", "..", "..", "perf", "VSwitch.SystemBench", "bin",
            new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name, "net10.0", "vswitch-system-bench.dll");
        Assert.True(File.Exists(bench), "the benchmark is not built: " + bench);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])[bench, .. args, "--vswitchd", Programs.Daemon, "--vswitchctl", Programs.Ctl])
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(3));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
                Assert.Fail("the smoke benchmark did not finish within 3 minutes");
            }
        }
        return (p.ExitCode, await stdout, await stderr, p.Id);
    }
}
