namespace VSwitch.SystemBench;

/// <summary>
/// The cache-line round trip between the generator's CPU and the switch's CPU around a window (see <see cref="C2cProbe"/>):
/// on a VM whose vCPUs the host places near or far from each other this moves between two clusters, and a window's rate
/// moves with it, so windows are compared within one class.
/// </summary>
public enum C2cClass
{
    /// <summary>No probe figure (the probe failed or was not run).</summary>
    Unknown,

    /// <summary>Before and after both below the threshold.</summary>
    Near,

    /// <summary>Before and after both at or above the threshold.</summary>
    Far,

    /// <summary>One probe on each side of the threshold: the placement moved during the window.</summary>
    Changed,
}

/// <summary>One usable window of one device: its round, its rate and its c2c class.</summary>
internal readonly record struct Sample(int Round, double Value, C2cClass Class);

/// <summary>One round's ratio of two devices' windows (same scenario, same mode), with both windows' classes.</summary>
internal readonly record struct RoundRatio(int Round, double Ratio, C2cClass Class, C2cClass ReferenceClass)
{
    /// <summary>Both windows fell in the same definite class (near with near, far with far).</summary>
    public bool SameClass => Class == ReferenceClass && Class is C2cClass.Near or C2cClass.Far;
}

/// <summary>Median and spread of a set of figures: min–max and the interquartile range (Q1–Q3, linear interpolation).</summary>
internal readonly record struct Spread(double Median, double Min, double Max, double Q1, double Q3, int Count)
{
    public double Iqr => Q3 - Q1;
}

/// <summary>A step inside a window's per-second rate series: the mean after <see cref="At"/> over the mean before it.</summary>
internal readonly record struct Step(int At, double Ratio);

/// <summary>The pure statistics of the benchmark: medians, quantiles, per-round pairing, classes, steps.</summary>
internal static class Statistics
{
    /// <summary>Median of the figures (NaN when there are none).</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : Quantile(sorted, 0.5);
    }

    /// <summary>
    /// The <paramref name="p"/> quantile of ascending <paramref name="sorted"/>, interpolating linearly between the
    /// two nearest ranks (position p·(n−1); the usual default of spreadsheets and numpy).
    /// </summary>
    public static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        double pos = p * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Median, min, max and quartiles of the figures; null when there are none.</summary>
    public static Spread? Summarize(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Where(v => !double.IsNaN(v)).Order()];
        return sorted.Length == 0
            ? null
            : new Spread(Quantile(sorted, 0.5), sorted[0], sorted[^1], Quantile(sorted, 0.25), Quantile(sorted, 0.75), sorted.Length);
    }

    /// <summary>
    /// Pairs two devices' windows by round and divides: one ratio per round in which both have a usable window with a
    /// non-zero reference, in round order. Rounds where either is missing (failed, flagged) give no ratio.
    /// </summary>
    public static List<RoundRatio> PerRoundRatios(IEnumerable<Sample> device, IEnumerable<Sample> reference)
    {
        Dictionary<int, Sample> byRound = [];
        foreach (Sample s in reference)
        {
            byRound[s.Round] = s;
        }
        var ratios = new List<RoundRatio>();
        foreach (Sample s in device.OrderBy(s => s.Round))
        {
            if (byRound.TryGetValue(s.Round, out Sample r) && r.Value > 0 && !double.IsNaN(s.Value))
            {
                ratios.Add(new RoundRatio(s.Round, s.Value / r.Value, s.Class, r.Class));
            }
        }
        return ratios;
    }

    /// <summary>Median and spread of the per-round ratios restricted to rounds where both windows were in <paramref name="cls"/>.</summary>
    public static Spread? SameClass(IEnumerable<RoundRatio> ratios, C2cClass cls) =>
        Summarize(ratios.Where(r => r.SameClass && r.Class == cls).Select(r => r.Ratio));

    /// <summary>
    /// The class of a window from the probe before it and after it: near (both below <paramref name="thresholdNs"/>),
    /// far (both at or above) or changed; unknown when either probe has no figure.
    /// </summary>
    public static C2cClass Classify(double beforeNs, double afterNs, double thresholdNs)
    {
        if (double.IsNaN(beforeNs) || double.IsNaN(afterNs))
        {
            return C2cClass.Unknown;
        }
        bool nearBefore = beforeNs < thresholdNs, nearAfter = afterNs < thresholdNs;
        return nearBefore != nearAfter ? C2cClass.Changed : nearBefore ? C2cClass.Near : C2cClass.Far;
    }

    /// <summary>
    /// The largest level change inside a per-second rate series: over every split point, the mean of the seconds after
    /// it divided by the mean of the seconds before it; reported when that ratio (or its inverse) reaches
    /// <paramref name="minRatio"/>, else null. A window that runs in one mode throughout has no step; one whose placement
    /// flipped midway has one.
    /// </summary>
    public static Step? FindStep(IReadOnlyList<double> rates, double minRatio)
    {
        Step? best = null;
        double bestSize = 1;
        for (int k = 1; k < rates.Count; k++)
        {
            double before = rates.Take(k).Average(), after = rates.Skip(k).Average();
            if (before <= 0 || after <= 0)
            {
                continue;
            }
            double ratio = after / before;
            double size = Math.Max(ratio, 1 / ratio);
            if (size > bestSize)
            {
                (best, bestSize) = (new Step(k, ratio), size);
            }
        }
        return best is Step s && bestSize >= minRatio ? s : null;
    }

    /// <summary>Class letter used in the runs column: n near, f far, c changed, ? unknown.</summary>
    public static char Letter(C2cClass cls) => cls switch
    {
        C2cClass.Near => 'n',
        C2cClass.Far => 'f',
        C2cClass.Changed => 'c',
        _ => '?',
    };
}
