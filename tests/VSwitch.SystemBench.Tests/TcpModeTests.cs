using Xunit;

namespace VSwitch.SystemBench.Tests;

/// <summary>The TCP mode's options and its summary (per-round pairing of windows), without running anything.</summary>
public sealed class TcpModeTests
{
    [Fact]
    public void Tcp_options_default_to_all_four_devices_and_eight_seconds_and_are_parsed()
    {
        BenchOptions d = BenchOptions.Parse(["--tcp"], TextWriter.Null)!;
        Assert.True(d.Tcp);
        Assert.Equal(["bridge", "ovs-tso", "vswitchd", "vswitchd-nooffload"], d.TcpDevices.Order(StringComparer.Ordinal));
        Assert.Equal(8, d.TcpSeconds);

        BenchOptions o = BenchOptions.Parse(["--tcp", "--tcp-devices", "vswitchd,bridge", "--tcp-seconds", "3"], TextWriter.Null)!;
        Assert.Equal(["bridge", "vswitchd"], o.TcpDevices.Order(StringComparer.Ordinal));
        Assert.Equal(3, o.TcpSeconds);
        Assert.Null(BenchOptions.Parse(["--tcp-devices", "ovs"], new StringWriter()));
    }

    [Fact]
    public void The_summary_pairs_windows_of_the_same_round_and_leaves_failed_ones_out()
    {
        var bench = new TcpBench(BenchOptions.Parse(["--tcp", "--reps", "3"], TextWriter.Null)!, new CommandLog("/nonexistent"), "d", "c", TextWriter.Null);
        bench.Measurements.AddRange(
        [
            new TcpMeasurement(1, "vswitchd", 10, 0, 100, 0, 0.5, null, null),
            new TcpMeasurement(1, "bridge", 20, 0, 0, 0, 0.5, null, null),
            new TcpMeasurement(2, "vswitchd", 12, 0, 100, 0, 0.5, null, null),
            new TcpMeasurement(2, "bridge", 15, 0, 0, 0, 0.5, null, null),
            new TcpMeasurement(3, "vswitchd", 30, 0, 100, 0, 0.5, null, null),
            new TcpMeasurement(3, "bridge", double.NaN, 0, 0, 0, 0.5, null, "iperf3 failed"),
        ]);
        string report = bench.Report("quiet", ["--tcp"], new DateTime(2026, 12, 6, 16, 0, 0, DateTimeKind.Utc));
        // Rounds 1 and 2 pair (0.50 and 0.80); round 3's bridge window failed, so round 3 gives no ratio.
        Assert.Contains("| vswitchd | 12.00 | 10.00–30.00 | **0.65** (0.50–0.80, 2) |", report, StringComparison.Ordinal);
        Assert.Contains("| bridge | 17.50 | 15.00–20.00 | 1 |", report, StringComparison.Ordinal);
        Assert.Contains("| 3 | bridge | failed |", report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_busy_window_is_flagged_and_left_out_of_medians_and_ratios_with_a_count()
    {
        var bench = new TcpBench(BenchOptions.Parse(["--tcp", "--reps", "3"], TextWriter.Null)!, new CommandLog("/nonexistent"), "d", "c", TextWriter.Null);
        bench.Measurements.AddRange(
        [
            new TcpMeasurement(1, "vswitchd", 10, 0, 100, 0, 0.5, null, null),
            new TcpMeasurement(1, "bridge", 20, 0, 0, 0, 0.5, null, null),
            new TcpMeasurement(2, "vswitchd", 2, 0, 100, 55, 2.5, null, null, "foreign load 55.0 % > 10 %"),
            new TcpMeasurement(2, "bridge", 15, 0, 0, 0, 0.5, null, null),
            new TcpMeasurement(3, "vswitchd", 12, 0, 100, 0, 0.5, null, null),
            new TcpMeasurement(3, "bridge", 16, 0, 0, 12, 0.5, null, null, "foreign load 12.0 % > 10 %"),
        ]);
        string report = bench.Report("quiet", ["--tcp"], new DateTime(2026, 12, 6, 16, 0, 0, DateTimeKind.Utc));
        // vswitchd: rounds 1 and 3 count (median 11); only round 1 pairs with a usable bridge window (0.50).
        Assert.Contains("| vswitchd | 11.00 | 10.00–12.00 | **0.50** (0.50–0.50, 1) |", report, StringComparison.Ordinal);
        Assert.Contains("| 10.00 2.00! 12.00 | 1 |", report, StringComparison.Ordinal);
        Assert.Contains("| bridge | 17.50 | 15.00–20.00 | 1 |", report, StringComparison.Ordinal);
        Assert.Contains("2 of 6 flagged", report, StringComparison.Ordinal);
        Assert.Contains("| 2 | vswitchd | 2.00 | 0 | 100 | 55 | 2.50 | foreign load 55.0 % > 10 % |", report, StringComparison.Ordinal);

        // A device whose every window was flagged has no medians at all, not NaN.
        bench.Measurements.Add(new TcpMeasurement(1, "ovs-tso", 9, 0, 90, 30, 2.5, null, null, "foreign load 30.0 % > 10 %"));
        Assert.Contains("| ovs-tso | - | - | - | 1 | 9.00! | 1 | - | - |", bench.Report("busy", ["--tcp"], DateTime.UnixEpoch), StringComparison.Ordinal);
    }

    [Fact]
    public void Vxlan_mode_is_the_tcp_mode_with_the_two_tunnel_devices_unless_devices_are_named()
    {
        BenchOptions v = BenchOptions.Parse(["--vxlan"], TextWriter.Null)!;
        Assert.True(v.Tcp);
        Assert.Equal(["kernel-vxlan", "vswitchd-vxlan"], v.TcpDevices.Order(StringComparer.Ordinal));

        BenchOptions both = BenchOptions.Parse(["--tcp-devices", "vswitchd,vswitchd-vxlan", "--vxlan"], TextWriter.Null)!;
        Assert.Equal(["vswitchd", "vswitchd-vxlan"], both.TcpDevices.Order(StringComparer.Ordinal));

        BenchOptions smoke = BenchOptions.Parse(["--vxlan", "--smoke"], TextWriter.Null)!;
        Assert.Equal(["vswitchd-vxlan"], smoke.TcpDevices);
        Assert.Equal((1, 2.0), (smoke.Reps, smoke.TcpSeconds));

        // The plain TCP mode keeps its four local devices.
        Assert.DoesNotContain("kernel-vxlan", BenchOptions.Parse(["--tcp"], TextWriter.Null)!.TcpDevices);
    }

    [Fact]
    public void Tunnel_windows_are_paired_with_the_kernel_vxlan_window_of_their_round()
    {
        var bench = new TcpBench(BenchOptions.Parse(["--vxlan", "--reps", "2"], TextWriter.Null)!, new CommandLog("/nonexistent"), "d", "c", TextWriter.Null);
        bench.Measurements.AddRange(
        [
            new TcpMeasurement(1, "vswitchd-vxlan", 1, 0, 90, 0, 0.5, "taps: offloads csum", null),
            new TcpMeasurement(1, "kernel-vxlan", 4, 0, 0, 0, 0.5, "vxlan A: mtu 1450", null),
            new TcpMeasurement(2, "kernel-vxlan", 5, 0, 0, 0, 0.5, null, null),
            new TcpMeasurement(2, "vswitchd-vxlan", 2, 0, 90, 0, 0.5, null, null),
        ]);
        string report = bench.Report("quiet", ["--vxlan"], new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc));
        // Only the kernel's VXLAN is an anchor in this run: one ratio column, rounds 1 and 2 give 0.25 and 0.40.
        Assert.Contains("| device | Gbit/s (median) | min–max | × kernel VXLAN, median of per-round ratios (min–max, rounds) | runs (Gbit/s) |", report, StringComparison.Ordinal);
        Assert.DoesNotContain("× bridge", report, StringComparison.Ordinal);
        Assert.Contains("| vswitchd-vxlan | 1.50 | 1.00–2.00 | **0.33** (0.25–0.40, 2) | 1.00 2.00 | 0 |", report, StringComparison.Ordinal);
        Assert.Contains("| kernel-vxlan | 4.50 | 4.00–5.00 | 1 |", report, StringComparison.Ordinal);
        Assert.Contains("| 1 | vswitchd-vxlan | 1.00 | 0 | 90 | 0 | 0.50 |  | taps: offloads csum |", report, StringComparison.Ordinal);
    }
}
