using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace VSwitch.Daemon.Tests.Capture;

/// <summary>
/// vswitchctl capture against a real vswitchd, without traffic: errors before anything starts, how a capture ends
/// (--duration, Ctrl-C, the client killed), several at once, and the file being complete in every case.
/// </summary>
public sealed class CaptureCommandTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly DaemonProcess _d = new();

    public CaptureCommandTests()
    {
        _d.Start();
        foreach (string port in new[] { "vm1", "vm2" })
        {
            var r = _d.Ctl("add-port", port, "vhostuser", "--socket", Path.Combine(_d.Root, port + ".sock"));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
    }

    public void Dispose() => _d.Dispose();

    [Fact]
    public void A_bad_filter_is_refused_before_anything_starts()
    {
        string file = Path.Combine(_d.Root, "bad.pcapng");
        var r = _d.Ctl("capture", "vm1", "-w", file, "--filter", "icmp and and");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bad capture filter 'icmp and and'", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.Empty(Running());
    }

    [Theory]
    [InlineData(1, "no port named 'nosuch'", "nosuch")]
    [InlineData(2, "--snaplen must be between 1 and 262144", "vm1", "--snaplen", "0")]
    [InlineData(2, "--count and --duration must not be negative", "vm1", "--count", "-1")]
    [InlineData(2, "'udp'", "vm1", "--format", "udp")]
    [InlineData(1, "a port is named twice", "vm1", "vm1")]
    public void Wrong_requests_give_a_clear_error_and_exit_code(int exitCode, string message, params string[] args)
    {
        var r = _d.Ctl(["capture", .. args, "-w", Path.Combine(_d.Root, "x.pcapng")]);
        Assert.True(r.ExitCode == exitCode, r.ToString());
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.Empty(Running());
    }

    [Fact]
    public void Duration_ends_the_capture_with_a_complete_file()
    {
        Tshark.Require();
        string file = Path.Combine(_d.Root, "idle.pcapng");
        var sw = Stopwatch.StartNew();
        var r = _d.Ctl("capture", "vm1", "vm2", "-w", file, "--duration", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1), "ended before its duration");
        Assert.Contains("0 frames captured, 0 dropped (writer fell behind), 0 filtered out (duration)", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(Tshark.Fields(file, null, "frame.number"));
        string info = string.Join('\n', Tshark.Run("capinfos", file));
        Assert.Contains("Number of interfaces in file: 2", info, StringComparison.Ordinal);
        Assert.Contains("vm1", info, StringComparison.Ordinal);
        Assert.Contains("vm2", info, StringComparison.Ordinal);
    }

    [Fact]
    public void Interrupt_ends_the_capture_concurrent_captures_are_listed_and_the_json_summary_goes_to_stderr()
    {
        Tshark.Require();
        string a = Path.Combine(_d.Root, "a.pcapng");
        string b = Path.Combine(_d.Root, "b.pcap");
        using var first = CaptureProcess.Start(_d, "vm1", "-w", a);
        using var second = CaptureProcess.Start(_d, "--json", "vm1", "vm2", "-w", b, "--format", "pcap", "--direction", "rx", "--filter", "icmp");
        first.WaitStreaming(s_timeout);
        second.WaitStreaming(s_timeout);
        WaitFor(() => Running().Count(c => c.GetProperty("state").GetString() == "running") == 2, "two running captures");
        var list = _d.Ctl("capture-list");
        Assert.Contains("vm1 both pcapng running", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("vm1,vm2 rx pcap running filter 'icmp'", list.Stdout, StringComparison.Ordinal);

        first.Interrupt();
        var r1 = first.WaitForExit(s_timeout);
        Assert.True(r1.ExitCode == 0, r1.ToString());
        Assert.Contains("0 frames captured", r1.Stderr, StringComparison.Ordinal);
        Assert.Single(Running());
        second.Interrupt();
        var r2 = second.WaitForExit(s_timeout);
        Assert.True(r2.ExitCode == 0, r2.ToString());
        string json = r2.Stderr[r2.Stderr.IndexOf('{', StringComparison.Ordinal)..];
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("finished", doc.RootElement.GetProperty("state").GetString());
        Assert.Equal("stopped", doc.RootElement.GetProperty("end_reason").GetString());
        Assert.Empty(Running());
        Assert.Empty(Tshark.Fields(a, null, "frame.number"));
        Assert.Empty(Tshark.Fields(b, null, "frame.number"));
    }

    [Fact]
    public void A_killed_client_ends_the_daemons_capture()
    {
        using var capture = CaptureProcess.Start(_d, "vm1", "-w", Path.Combine(_d.Root, "killed.pcapng"));
        capture.WaitStreaming(s_timeout);
        WaitFor(() => Running().Count == 1, "the capture to run");
        capture.Kill();
        capture.WaitForExit(s_timeout);
        WaitFor(() => Running().Count == 0, "the daemon to end the capture of a killed client");
        Assert.Empty(Directory.GetFiles(_d.RunDir, "capture-*.sock"));
        Assert.Equal(0, _d.Ctl("show").ExitCode);
    }

    private List<JsonElement> Running() =>
        [.. _d.Ctl("capture-list", "--json").Json().GetProperty("captures").EnumerateArray()];

    private static void WaitFor(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < s_timeout, "timed out waiting for " + what);
            Thread.Sleep(100);
        }
    }
}
