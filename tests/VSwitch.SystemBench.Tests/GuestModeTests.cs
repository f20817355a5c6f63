using Xunit;

namespace VSwitch.SystemBench.Tests;

/// <summary>The guest mode's options and its summary (per-round pairing of transfers, flagged runs), without running anything.</summary>
public sealed class GuestModeTests
{
    [Fact]
    public void Guest_options_default_to_both_scenarios_and_add_the_before_build_when_given()
    {
        BenchOptions d = BenchOptions.Parse(["--guests"], TextWriter.Null)!;
        Assert.True(d.Guests);
        Assert.Equal(["vswitchd", "vswitchd-nooffload"], d.GuestDevices.Order(StringComparer.Ordinal));
        Assert.Equal(["g2g", "g2ns"], d.GuestScenarios.Order(StringComparer.Ordinal));
        Assert.Equal(32, d.GuestMiB);
        Assert.Equal("1", d.GuestCpus);

        BenchOptions b = BenchOptions.Parse(["--guests", "--before-vswitchd", "old/vswitchd.dll", "--guest-scenarios", "g2ns", "--guest-mib", "8"], TextWriter.Null)!;
        Assert.Equal(["before", "vswitchd", "vswitchd-nooffload"], b.GuestDevices.Order(StringComparer.Ordinal));
        Assert.Equal(["g2ns"], b.GuestScenarios);
        Assert.Equal(8, b.GuestMiB);

        Assert.Null(BenchOptions.Parse(["--guests", "--guest-devices", "before"], new StringWriter()));
        Assert.Null(BenchOptions.Parse(["--guests", "--guest-cpus", "1;rm"], new StringWriter()));
    }

    [Fact]
    public void The_summary_pairs_transfers_of_the_same_round_and_leaves_flagged_and_failed_ones_out()
    {
        var bench = new GuestBench(BenchOptions.Parse(["--guests", "--reps", "3"], TextWriter.Null)!, new CommandLog("/nonexistent"), "d", "c", TextWriter.Null);
        bench.Measurements.AddRange(
        [
            T(1, "vswitchd", 8, null),
            T(1, "vswitchd-nooffload", 2, null),
            T(2, "vswitchd", 6, "foreign load 50.0 % > 10 %"),
            T(2, "vswitchd-nooffload", 3, null),
            T(3, "vswitchd", 12, null),
            T(3, "vswitchd-nooffload", 4, null),
            GuestMeasurement.Failed(3, "g2ns", "vswitchd", "zero", 0.5, "nc did not listen"),
        ]);
        string report = bench.Report("quiet", ["--guests"], new DateTime(2026, 12, 6, 18, 0, 0, DateTimeKind.Utc));
        // vswitchd: rounds 1 and 3 (8 and 12 MB/s, median 10); all three ran (median 8); ratios 4 and 3 (median 3.5).
        Assert.Contains("| g2g | zero | vswitchd | 10.00 | 8.00–12.00 | 8.00 | **3.50** (3.00–4.00, 2) | - | 8.00 6.00! 12.00 | 1 |", report, StringComparison.Ordinal);
        Assert.Contains("| g2g | zero | vswitchd-nooffload | 3.00 | 2.00–4.00 | 3.00 | 1 |", report, StringComparison.Ordinal);
        Assert.Contains("| g2ns | zero | vswitchd | - | - | - |", report, StringComparison.Ordinal);
        Assert.Contains("1 of 7 transfers flagged", report, StringComparison.Ordinal);
        Assert.Contains("| 3 | g2ns | vswitchd | zero | - |", report, StringComparison.Ordinal);
        Assert.Contains("\"usable\": false", bench.Json("quiet", DateTime.UnixEpoch), StringComparison.Ordinal);
    }

    /// <summary>A g2g zero transfer of 16 MB at the given rate.</summary>
    private static GuestMeasurement T(int round, string device, double mbps, string? flag) =>
        new(round, "g2g", device, "zero", 16_000_000, 16 / mbps, new GuestCpu(90, 5, 70, 15), 30, 50, 25, 15, 1500, flag is null ? 2 : 50, 0.5, flag, null);
}
