using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VSwitch.SystemBench;

/// <summary>The results table (medians over rounds, Gbit/s, per-round ratios and their spread) and the results file around it.</summary>
internal static class Report
{
    public static string Table(BenchRunner runner)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| traffic | device under test | Mpps (median) | Gbit/s | × OVS-DPDK, median of per-round ratios (min–max, IQR, rounds) | × testpmd, median of per-round ratios (min–max, IQR, rounds) | ratio of medians × OVS / × testpmd | runs (Mpps, c2c class) | windows near / far / changed / flagged | datapath alloc B / GCs (gen0/1/2) | datapath sleeps (per run) |");
        sb.AppendLine("|---|---|---:|---:|---|---|---|---|---|---|---|");
        foreach (Scenario scenario in runner.Scenarios)
        {
            foreach (DutConfig dut in runner.DutsFor(scenario))
            {
                Row row = Summarize(runner, scenario, dut);
                List<Measurement> runs = row.Runs;
                string alloc = runs.Any(r => r.AllocatedBytes is not null)
                    ? Inv($"{runs.Max(r => r.AllocatedBytes ?? 0)} / {runs.Sum(r => r.GcGen0 ?? 0)}/{runs.Sum(r => r.GcGen1 ?? 0)}/{runs.Sum(r => r.GcGen2 ?? 0)}")
                    : "–";
                string sleeps = runs.Any(r => r.Sleeps is not null)
                    ? string.Join(" ", runs.Select(r => r.Sleeps is long n ? n.ToString(CultureInfo.InvariantCulture) : "–"))
                    : "–";
                string list = string.Join(" ", runs.Select(RunCell));
                sb.AppendLine(Inv($"| {scenario.Label} | {dut.Label} | {F(row.Median, 3)} | {F(row.Median * scenario.FrameSize * 8 / 1000, 2)} | {SpreadCell(row.VsOvs)} | {SpreadCell(row.VsTestpmd)} | {Ratio(row.Median, row.OvsMedian, row.VsOvs.Self)} / {Ratio(row.Median, row.TestpmdMedian, row.VsTestpmd.Self)} | {list} | {Counts(runs)} | {alloc} | {sleeps} |"));
            }
        }
        sb.AppendLine();
        sb.AppendLine("Same c2c class only (a window is near or far when the probes before and after it agree; a ratio counts only when both rounds' windows share the class; flagged and changed windows are left out):");
        sb.AppendLine();
        sb.AppendLine("| traffic | device under test | near: Mpps (median, windows) | near: × OVS-DPDK | near: × testpmd | far: Mpps (median, windows) | far: × OVS-DPDK | far: × testpmd |");
        sb.AppendLine("|---|---|---:|---|---|---:|---|---|");
        foreach (Scenario scenario in runner.Scenarios)
        {
            foreach (DutConfig dut in runner.DutsFor(scenario))
            {
                Row row = Summarize(runner, scenario, dut);
                sb.AppendLine(Inv($"| {scenario.Label} | {dut.Label} | {ClassMedian(row.Runs, C2cClass.Near)} | {ClassCell(row, row.VsOvs, C2cClass.Near)} | {ClassCell(row, row.VsTestpmd, C2cClass.Near)} | {ClassMedian(row.Runs, C2cClass.Far)} | {ClassCell(row, row.VsOvs, C2cClass.Far)} | {ClassCell(row, row.VsTestpmd, C2cClass.Far)} |"));
            }
        }
        return sb.ToString();
    }

    private static string Counts(List<Measurement> runs) =>
        Inv($"{runs.Count(r => r.Error is null && r.Class == C2cClass.Near)} / {runs.Count(r => r.Error is null && r.Class == C2cClass.Far)} / {runs.Count(r => r.Error is null && r.Class == C2cClass.Changed)} / {runs.Count(r => r.Flag is not null)}");

    private static string ClassMedian(List<Measurement> runs, C2cClass cls)
    {
        double[] values = [.. runs.Where(r => r.Usable && r.Class == cls).Select(r => r.Mpps)];
        return values.Length == 0 ? "–" : Inv($"{F(Statistics.Median(values), 3)} ({values.Length})");
    }

    private static string ClassCell(Row row, Comparison c, C2cClass cls) =>
        c.Self ? (row.Runs.Any(r => r.Usable && r.Class == cls) ? "1.00" : "–") : Statistics.SameClass(c.Rounds, cls) is Spread s ? Inv($"{F(s.Median, 2)} ({F(s.Min, 2)}–{F(s.Max, 2)}, {s.Count})") : "–";

    /// <summary>One row's figures: its windows, the median over the usable ones, and its per-round ratios to the two references.</summary>
    internal sealed record Row(List<Measurement> Runs, double Median, double OvsMedian, double TestpmdMedian, Comparison VsOvs, Comparison VsTestpmd);

    /// <summary>Per-round ratios of a row to one reference device, with their median and spread; <see cref="Self"/> when the row is that device.</summary>
    internal sealed record Comparison(bool Self, List<RoundRatio> Rounds)
    {
        public Spread? All => Statistics.Summarize(Rounds.Select(r => r.Ratio));
    }

    internal static Row Summarize(BenchRunner runner, Scenario scenario, DutConfig dut)
    {
        List<Measurement> runs = Runs(runner, scenario, dut);
        var ovsConfig = new DutConfig("ovs", dut.Kind != "testpmd" ? dut.Mode : scenario.Flows == 0 ? "normal" : "inport", "vhostuserclient");
        var testpmdConfig = new DutConfig("testpmd", "xconnect", "vhostuser");
        List<Measurement> ovs = Runs(runner, scenario, ovsConfig), testpmd = Runs(runner, scenario, testpmdConfig);
        return new Row(runs, Median(runs), Median(ovs), Median(testpmd),
            new Comparison(dut.Kind == "ovs", dut.Kind == "ovs" ? [] : Statistics.PerRoundRatios(Samples(runs), Samples(ovs))),
            new Comparison(dut.Kind == "testpmd", dut.Kind == "testpmd" ? [] : Statistics.PerRoundRatios(Samples(runs), Samples(testpmd))));
    }

    private static IEnumerable<Sample> Samples(List<Measurement> runs) =>
        runs.Where(r => r.Usable).Select(r => new Sample(r.Round, r.Mpps, r.Class));

    /// <summary>A run's figure with its class letter (n near, f far, c changed, ? no probe) and <c>!</c> when flagged.</summary>
    private static string RunCell(Measurement r) =>
        r.Error is not null ? "failed" : r.Mpps.ToString("F2", CultureInfo.InvariantCulture) + Statistics.Letter(r.Class) + (r.Flag is null ? "" : "!");

    private static string SpreadCell(Comparison c) =>
        c.Self ? "1.00" : c.All is Spread s ? SpreadText(s) : "–";

    private static string SpreadText(Spread s) =>
        Inv($"{F(s.Median, 2)} ({F(s.Min, 2)}–{F(s.Max, 2)}, IQR {F(s.Iqr, 2)}, {s.Count})");

    public static string File(BenchRunner runner, BenchOptions options, CommandLog log, string machine, string[] args, DateTime started)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv($"# System benchmark, {started:yyyy-MM-dd HH:mm} UTC"));
        sb.AppendLine();
        sb.AppendLine(Inv($"- machine: {Environment.ProcessorCount} CPUs (nproc), {MachineCheck.CpuModel()}, kernel {System.Runtime.InteropServices.RuntimeInformation.OSDescription}"));
        sb.AppendLine("- before the run: " + machine);
        sb.AppendLine(Inv($"- options: `vswitch-system-bench {string.Join(' ', args)}`; warm-up {options.WarmupSeconds} s, window {options.WindowSeconds} s, {options.Reps} rounds (device order rotated per round), tx_first {options.TxFirstBursts} bursts of 32 per port, {options.Ring} ring requested by the generator"));
        sb.AppendLine(Inv($"- window conditions: c2c probe ({options.C2cRoundTrips} round trips CPU 0 ↔ CPU 1, median of batches of {C2cProbe.Batch}) before and after each window's processes, near below {options.C2cThresholdNs} ns; windows flagged above {options.MaxForeignPercent} % foreign CPU or {options.MaxStealPercent} % steal on CPU 0 or 1 ({runner.Measurements.Count(m => m.Flag is not null)} of {runner.Measurements.Count} flagged, not used)"));
        sb.AppendLine("- Mpps: packets the generator received on both ports (= crossed the switch, both directions summed) per second of the window; Gbit/s = Mpps × frame size (FCS included, no preamble/IFG) × 8");
        if (runner.IdleReport is not null)
        {
            sb.AppendLine("- " + runner.IdleReport);
        }
        if (runner.WakeReport is not null)
        {
            sb.AppendLine("- " + runner.WakeReport);
        }
        sb.AppendLine();
        sb.Append(Table(runner));
        sb.AppendLine();
        sb.AppendLine("## Windows");
        sb.AppendLine();
        sb.AppendLine("```");
        foreach (Measurement m in runner.Measurements)
        {
            sb.AppendLine(Inv($"round {m.Round}  {m.Scenario.Label,-28} {m.Dut.Label,-34} {(m.Error is null ? F(m.Mpps, 3) + " Mpps" : "FAILED")}  {BenchRunner.Conditions(m)}"));
        }
        sb.AppendLine("```");
        sb.AppendLine();
        List<Measurement> failed = [.. runner.Measurements.Where(m => m.Error is not null)];
        if (failed.Count > 0)
        {
            sb.AppendLine("## Failed measurements");
            sb.AppendLine();
            foreach (Measurement m in failed)
            {
                sb.AppendLine(Inv($"round {m.Round}, {m.Scenario.Label}, {m.Dut.Label}:"));
                sb.AppendLine("```");
                sb.AppendLine(m.Error!.TrimEnd());
                sb.AppendLine("```");
            }
            sb.AppendLine();
        }
        log.AppendSection(sb, maxLines: 200);
        return sb.ToString();
    }

    /// <summary>
    /// The results as JSON: <c>options</c> (what shapes every window), <c>measurements</c> (one object per window) and
    /// <c>summary</c> (one object per table row: median, per-round ratios with their spread, ratio of medians).
    /// </summary>
    public static string Json(BenchRunner runner, BenchOptions options)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("options");
            w.WriteNumber("rounds", options.Reps);
            w.WriteNumber("warmup_seconds", options.WarmupSeconds);
            w.WriteNumber("window_seconds", options.WindowSeconds);
            w.WriteNumber("tx_first_bursts", options.TxFirstBursts);
            w.WriteString("ring", options.Ring);
            w.WriteNumber("c2c_threshold_ns", options.C2cThresholdNs);
            w.WriteNumber("c2c_round_trips", options.C2cRoundTrips);
            w.WriteNumber("max_foreign_percent", options.MaxForeignPercent);
            w.WriteNumber("max_steal_percent", options.MaxStealPercent);
            w.WriteNumber("step_ratio", BenchRunner.StepRatio);
            w.WriteEndObject();
            w.WriteStartArray("measurements");
            foreach (Measurement m in runner.Measurements)
            {
                w.WriteStartObject();
                w.WriteNumber("round", m.Round);
                w.WriteNumber("frame_size", m.Scenario.FrameSize);
                w.WriteNumber("flows", m.Scenario.Flows);
                w.WriteString("dut", m.Dut.Kind);
                w.WriteString("mode", m.Dut.Mode);
                w.WriteString("socket", m.Dut.Socket);
                w.WriteBoolean("capture", m.Dut.Capture);
                w.WriteNumber("seconds", m.Seconds);
                w.WriteNumber("rx_port0", m.RxPort0);
                w.WriteNumber("rx_port1", m.RxPort1);
                w.WriteNumber("tx_port0", m.TxPort0);
                w.WriteNumber("tx_port1", m.TxPort1);
                if (m.Error is null)
                {
                    w.WriteNumber("mpps", m.Mpps);
                }
                w.WriteBoolean("usable", m.Usable);
                w.WriteString("ring", options.Ring);
                Number(w, "c2c_before_ns", m.C2cBeforeNs);
                Number(w, "c2c_after_ns", m.C2cAfterNs);
                w.WriteString("c2c_class", Name(m.Class));
                if (m.ForeignPercent is double foreign)
                {
                    Number(w, "foreign_cpu_percent", foreign);
                }
                w.WriteStartArray("steal_percent");
                foreach (double st in m.StealPercent)
                {
                    w.WriteNumberValue(st);
                }
                w.WriteEndArray();
                if (m.Flag is not null)
                {
                    w.WriteString("flag", m.Flag);
                }
                w.WriteStartArray("mpps_per_second");
                foreach (double r in m.RatesMpps)
                {
                    w.WriteNumberValue(r);
                }
                w.WriteEndArray();
                if (m.Step is Step step)
                {
                    w.WriteStartObject("step");
                    w.WriteNumber("after_second", step.At);
                    w.WriteNumber("ratio", step.Ratio);
                    w.WriteEndObject();
                }
                if (m.AllocatedBytes is long b)
                {
                    w.WriteNumber("allocated_bytes", b);
                    w.WriteNumber("gc_gen0", m.GcGen0 ?? 0);
                    w.WriteNumber("gc_gen1", m.GcGen1 ?? 0);
                    w.WriteNumber("gc_gen2", m.GcGen2 ?? 0);
                    w.WriteNumber("sleeps", m.Sleeps ?? 0);
                }
                if (m.Stages is StageTimes times)
                {
                    w.WriteStartObject("stages_ns_per_packet");
                    w.WriteNumber("batches_timed", times.Batches);
                    w.WriteNumber("rx", times.Rx);
                    w.WriteNumber("pipeline", times.Pipeline);
                    w.WriteNumber("tx", times.Tx);
                    w.WriteNumber("complete", times.Complete);
                    w.WriteEndObject();
                }
                if (m.RuleHits is long hits)
                {
                    w.WriteNumber("rule_hits", hits);
                }
                if (m.Error is not null)
                {
                    w.WriteString("error", m.Error);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("summary");
            foreach (Scenario scenario in runner.Scenarios)
            {
                foreach (DutConfig dut in runner.DutsFor(scenario))
                {
                    Row row = Summarize(runner, scenario, dut);
                    w.WriteStartObject();
                    w.WriteNumber("frame_size", scenario.FrameSize);
                    w.WriteNumber("flows", scenario.Flows);
                    w.WriteString("dut", dut.Kind);
                    w.WriteString("mode", dut.Mode);
                    w.WriteString("socket", dut.Socket);
                    w.WriteBoolean("capture", dut.Capture);
                    w.WriteNumber("windows", row.Runs.Count);
                    w.WriteNumber("usable_windows", row.Runs.Count(r => r.Usable));
                    w.WriteNumber("flagged_windows", row.Runs.Count(r => r.Flag is not null));
                    w.WriteNumber("near_windows", row.Runs.Count(r => r.Error is null && r.Class == C2cClass.Near));
                    w.WriteNumber("far_windows", row.Runs.Count(r => r.Error is null && r.Class == C2cClass.Far));
                    w.WriteNumber("changed_windows", row.Runs.Count(r => r.Error is null && r.Class == C2cClass.Changed));
                    w.WriteNumber("step_windows", row.Runs.Count(r => r.Step is not null));
                    Number(w, "mpps_median", row.Median);
                    Number(w, "near_mpps_median", Statistics.Median(row.Runs.Where(r => r.Usable && r.Class == C2cClass.Near).Select(r => r.Mpps)));
                    Number(w, "far_mpps_median", Statistics.Median(row.Runs.Where(r => r.Usable && r.Class == C2cClass.Far).Select(r => r.Mpps)));
                    WriteComparison(w, "vs_ovs", row.VsOvs, row.Median, row.OvsMedian);
                    WriteComparison(w, "vs_testpmd", row.VsTestpmd, row.Median, row.TestpmdMedian);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteComparison(Utf8JsonWriter w, string name, Comparison c, double median, double reference)
    {
        if (c.Self)
        {
            return;
        }
        w.WriteStartObject(name);
        Number(w, "ratio_of_medians", reference > 0 ? median / reference : double.NaN);
        WriteSpread(w, "per_round", c.All);
        WriteSpread(w, "near_per_round", Statistics.SameClass(c.Rounds, C2cClass.Near));
        WriteSpread(w, "far_per_round", Statistics.SameClass(c.Rounds, C2cClass.Far));
        w.WriteStartArray("rounds");
        foreach (RoundRatio r in c.Rounds)
        {
            w.WriteStartObject();
            w.WriteNumber("round", r.Round);
            w.WriteNumber("ratio", r.Ratio);
            w.WriteString("class", Name(r.Class));
            w.WriteString("reference_class", Name(r.ReferenceClass));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteSpread(Utf8JsonWriter w, string name, Spread? spread)
    {
        if (spread is not Spread s)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteNumber("median", s.Median);
        w.WriteNumber("min", s.Min);
        w.WriteNumber("max", s.Max);
        w.WriteNumber("q1", s.Q1);
        w.WriteNumber("q3", s.Q3);
        w.WriteNumber("iqr", s.Iqr);
        w.WriteNumber("count", s.Count);
        w.WriteEndObject();
    }

    /// <summary>A number, or null for NaN (JSON has no NaN).</summary>
    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, value);
        }
    }

    private static string Name(C2cClass c) => c.ToString().ToLowerInvariant();

    private static List<Measurement> Runs(BenchRunner runner, Scenario scenario, DutConfig dut) =>
        [.. runner.Measurements.Where(m => m.Scenario == scenario && m.Dut == dut)];

    private static double Median(List<Measurement> runs) => Statistics.Median(runs.Where(r => r.Usable).Select(r => r.Mpps));

    private static string Ratio(double value, double reference, bool self) =>
        self ? "1.00" : double.IsNaN(value) || double.IsNaN(reference) || reference == 0 ? "–" : F(value / reference, 2);

    private static string F(double v, int digits) => double.IsNaN(v) ? "–" : v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);
}
