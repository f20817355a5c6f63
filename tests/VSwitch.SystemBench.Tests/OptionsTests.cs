using Xunit;

namespace VSwitch.SystemBench.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_seven_rounds_split_ring_and_the_documented_thresholds()
    {
        BenchOptions o = BenchOptions.Parse([], TextWriter.Null)!;
        Assert.Equal(7, o.Reps);
        Assert.Equal("split", o.Ring);
        Assert.Equal(150, o.C2cThresholdNs);
        Assert.Equal(100_000, o.C2cRoundTrips);
        Assert.Equal(10, o.MaxForeignPercent);
        Assert.Equal(5, o.MaxStealPercent);
        Assert.False(o.C2cOnly);
    }

    [Fact]
    public void Window_condition_options_are_parsed()
    {
        BenchOptions o = BenchOptions.Parse(
            ["--ring", "packed", "--c2c-threshold", "200", "--c2c-round-trips", "20000", "--max-foreign", "25.5", "--max-steal", "1", "--c2c-only"], TextWriter.Null)!;
        Assert.True(o.C2cOnly);
        Assert.Equal(("packed", 200.0, 20_000, 25.5, 1.0), (o.Ring, o.C2cThresholdNs, o.C2cRoundTrips, o.MaxForeignPercent, o.MaxStealPercent));
    }

    [Theory]
    [InlineData("--ring", "ring")]
    [InlineData("--ring", "split,packed")]
    [InlineData("--c2c-threshold", "0")]
    [InlineData("--c2c-round-trips", "10")]
    [InlineData("--max-steal", "101")]
    public void Bad_values_are_refused_with_the_usage(string option, string value)
    {
        var error = new StringWriter();
        Assert.Null(BenchOptions.Parse([option, value], error));
        Assert.Contains("Options:", error.ToString());
    }
}
