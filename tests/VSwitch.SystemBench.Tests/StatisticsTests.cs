using Xunit;

namespace VSwitch.SystemBench.Tests;

public sealed class StatisticsTests
{
    [Fact]
    public void Median_of_odd_and_even_counts_and_of_nothing()
    {
        Assert.Equal(3, Statistics.Median([5, 1, 3]));
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
        Assert.True(double.IsNaN(Statistics.Median([])));
    }

    [Fact]
    public void Quartiles_interpolate_between_ranks()
    {
        // Positions p·(n−1) over 1..8: Q1 at 1.75 → 2.75, Q3 at 5.25 → 6.25.
        Spread s = Statistics.Summarize([8, 1, 7, 2, 6, 3, 5, 4])!.Value;
        Assert.Equal(4.5, s.Median);
        Assert.Equal(1, s.Min);
        Assert.Equal(8, s.Max);
        Assert.Equal(2.75, s.Q1, 10);
        Assert.Equal(6.25, s.Q3, 10);
        Assert.Equal(3.5, s.Iqr, 10);
        Assert.Equal(8, s.Count);
    }

    [Fact]
    public void Spread_of_one_figure_is_that_figure_and_of_none_is_null()
    {
        Spread s = Statistics.Summarize([1.1])!.Value;
        Assert.Equal((1.1, 1.1, 1.1, 1.1, 1.1, 0.0), (s.Median, s.Min, s.Max, s.Q1, s.Q3, s.Iqr));
        Assert.Null(Statistics.Summarize([]));
        Assert.Null(Statistics.Summarize([double.NaN]));
    }

    [Fact]
    public void Ratios_pair_windows_of_the_same_round_only()
    {
        Sample[] device = [new(1, 8, C2cClass.Near), new(2, 4, C2cClass.Far), new(3, 9, C2cClass.Near), new(5, 7, C2cClass.Near)];
        // Round 3 has no reference window (failed or flagged), round 4 no device window, round 5's reference is zero.
        Sample[] reference = [new(2, 5, C2cClass.Far), new(1, 10, C2cClass.Near), new(4, 6, C2cClass.Near), new(5, 0, C2cClass.Near)];
        List<RoundRatio> ratios = Statistics.PerRoundRatios(device, reference);
        Assert.Equal([1, 2], ratios.Select(r => r.Round));
        Assert.Equal(0.8, ratios[0].Ratio, 10);
        Assert.Equal(0.8, ratios[1].Ratio, 10);
    }

    [Fact]
    public void Median_of_ratios_is_not_the_ratio_of_medians()
    {
        // The device is 1.1 × the reference in two rounds; in round 2 it fell far while the reference was near. The
        // ratio of medians (3.6 / 8) lets that one mismatched window decide; the median of per-round ratios does not.
        Sample[] device = [new(1, 3.3, C2cClass.Far), new(2, 3.6, C2cClass.Far), new(3, 8.8, C2cClass.Near)];
        Sample[] reference = [new(1, 3, C2cClass.Far), new(2, 8, C2cClass.Near), new(3, 8, C2cClass.Near)];
        List<RoundRatio> ratios = Statistics.PerRoundRatios(device, reference);
        Spread s = Statistics.Summarize(ratios.Select(r => r.Ratio))!.Value;
        Assert.Equal(1.1, s.Median, 10);
        Assert.Equal(0.45, s.Min, 10);
        Assert.Equal(0.45, Statistics.Median(device.Select(d => d.Value)) / Statistics.Median(reference.Select(d => d.Value)), 10);
        Assert.Equal([true, false, true], ratios.Select(r => r.SameClass));
    }

    [Theory]
    [InlineData(50, 55, C2cClass.Near)]
    [InlineData(330, 310, C2cClass.Far)]
    [InlineData(52, 331, C2cClass.Changed)]
    [InlineData(329, 48, C2cClass.Changed)]
    [InlineData(149.9, 150, C2cClass.Changed)]
    [InlineData(150, 150, C2cClass.Far)]
    [InlineData(double.NaN, 50, C2cClass.Unknown)]
    [InlineData(50, double.NaN, C2cClass.Unknown)]
    public void Window_class_comes_from_the_probes_on_both_sides_of_it(double before, double after, C2cClass expected) =>
        Assert.Equal(expected, Statistics.Classify(before, after, 150));

    [Fact]
    public void Same_class_ratios_use_only_rounds_where_both_windows_share_a_definite_class()
    {
        RoundRatio[] ratios =
        [
            new(1, 1.0, C2cClass.Near, C2cClass.Near),
            new(2, 2.0, C2cClass.Near, C2cClass.Far),
            new(3, 1.2, C2cClass.Near, C2cClass.Near),
            new(4, 0.9, C2cClass.Far, C2cClass.Far),
            new(5, 5.0, C2cClass.Changed, C2cClass.Changed),
            new(6, 5.0, C2cClass.Unknown, C2cClass.Unknown),
        ];
        Spread near = Statistics.SameClass(ratios, C2cClass.Near)!.Value;
        Assert.Equal((2, 1.1), (near.Count, near.Median));
        Spread far = Statistics.SameClass(ratios, C2cClass.Far)!.Value;
        Assert.Equal((1, 0.9), (far.Count, far.Median));
        Assert.Null(Statistics.SameClass(ratios, C2cClass.Changed));
        Assert.False(ratios[4].SameClass);
    }

    [Fact]
    public void A_mid_window_flip_is_a_step_and_steady_noise_is_not()
    {
        Step step = Statistics.FindStep([7.6, 7.8, 7.7, 3.7, 3.6, 3.6], 1.25)!.Value;
        Assert.Equal(3, step.At);
        Assert.InRange(step.Ratio, 0.47, 0.48);
        Assert.Null(Statistics.FindStep([7.6, 7.9, 7.4, 7.8], 1.25));
        Assert.Null(Statistics.FindStep([7.6], 1.25));
        Assert.Equal(1, Statistics.FindStep([3, 8, 8, 8], 1.25)!.Value.At);
    }
}
