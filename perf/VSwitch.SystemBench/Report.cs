using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VSwitch.SystemBench;

/// <summary>The results table (medians over rounds, Gbit/s, ratios) and the results file around it.</summary>
internal static class Report
{
    public static string Table(BenchRunner runner)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| traffic | device under test | Mpps (median) | Gbit/s | × OVS-DPDK | × testpmd | runs (Mpps) | datapath alloc B / GCs (gen0/1/2) | datapath sleeps (per run) |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---|---|---|");
        foreach (Scenario scenario in runner.Scenarios)
        {
            foreach (DutConfig dut in runner.DutsFor(scenario))
            {
                List<Measurement> runs = Runs(runner, scenario, dut);
                double median = Median(runs);
                double ovs = Median(Runs(runner, scenario, new DutConfig("ovs", dut.Kind != "testpmd" ? dut.Mode : scenario.Flows == 0 ? "normal" : "inport", "vhostuserclient")));
                double testpmd = Median(Runs(runner, scenario, new DutConfig("testpmd", "xconnect", "vhostuser")));
                string alloc = runs.Any(r => r.AllocatedBytes is not null)
                    ? Inv($"{runs.Max(r => r.AllocatedBytes ?? 0)} / {runs.Sum(r => r.GcGen0 ?? 0)}/{runs.Sum(r => r.GcGen1 ?? 0)}/{runs.Sum(r => r.GcGen2 ?? 0)}")
                    : "–";
                string sleeps = runs.Any(r => r.Sleeps is not null)
                    ? string.Join(" ", runs.Select(r => r.Sleeps is long n ? n.ToString(CultureInfo.InvariantCulture) : "–"))
                    : "–";
                string list = string.Join(" ", runs.Select(r => r.Error is null ? r.Mpps.ToString("F2", CultureInfo.InvariantCulture) : "failed"));
                sb.AppendLine(Inv($"| {scenario.Label} | {dut.Label} | {F(median, 3)} | {F(median * scenario.FrameSize * 8 / 1000, 2)} | {Ratio(median, ovs, dut.Kind == "ovs")} | {Ratio(median, testpmd, dut.Kind == "testpmd")} | {list} | {alloc} | {sleeps} |"));
            }
        }
        return sb.ToString();
    }

    public static string File(BenchRunner runner, BenchOptions options, CommandLog log, string machine, string[] args, DateTime started)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv($"# System benchmark, {started:yyyy-MM-dd HH:mm} UTC"));
        sb.AppendLine();
        sb.AppendLine(Inv($"- machine: {Environment.ProcessorCount} CPUs (nproc), {MachineCheck.CpuModel()}, kernel {System.Runtime.InteropServices.RuntimeInformation.OSDescription}"));
        sb.AppendLine("- before the run: " + machine);
        sb.AppendLine(Inv($"- options: `vswitch-system-bench {string.Join(' ', args)}`; warm-up {options.WarmupSeconds} s, window {options.WindowSeconds} s, {options.Reps} rounds, tx_first {options.TxFirstBursts} bursts of 32 per port"));
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
        sb.AppendLine("## Commands");
        sb.AppendLine();
        sb.AppendLine("```");
        foreach (string line in log.Lines.Distinct().Take(200))
        {
            sb.AppendLine(line);
        }
        sb.AppendLine("```");
        return sb.ToString();
    }

    public static string Json(BenchRunner runner)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (Measurement m in runner.Measurements)
            {
                w.WriteStartObject();
                w.WriteNumber("round", m.Round);
                w.WriteNumber("frame_size", m.Scenario.FrameSize);
                w.WriteNumber("flows", m.Scenario.Flows);
                w.WriteString("dut", m.Dut.Kind);
                w.WriteString("mode", m.Dut.Mode);
                w.WriteString("socket", m.Dut.Socket);
                w.WriteNumber("seconds", m.Seconds);
                w.WriteNumber("rx_port0", m.RxPort0);
                w.WriteNumber("rx_port1", m.RxPort1);
                w.WriteNumber("tx_port0", m.TxPort0);
                w.WriteNumber("tx_port1", m.TxPort1);
                if (m.Error is null)
                {
                    w.WriteNumber("mpps", m.Mpps);
                }
                if (m.AllocatedBytes is long b)
                {
                    w.WriteNumber("allocated_bytes", b);
                    w.WriteNumber("gc_gen0", m.GcGen0 ?? 0);
                    w.WriteNumber("gc_gen1", m.GcGen1 ?? 0);
                    w.WriteNumber("gc_gen2", m.GcGen2 ?? 0);
                    w.WriteNumber("sleeps", m.Sleeps ?? 0);
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
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<Measurement> Runs(BenchRunner runner, Scenario scenario, DutConfig dut) =>
        [.. runner.Measurements.Where(m => m.Scenario == scenario && m.Dut == dut)];

    private static double Median(List<Measurement> runs)
    {
        double[] ok = [.. runs.Where(r => r.Error is null).Select(r => r.Mpps).Order()];
        return ok.Length == 0 ? double.NaN : ok.Length % 2 == 1 ? ok[ok.Length / 2] : (ok[ok.Length / 2 - 1] + ok[ok.Length / 2]) / 2;
    }

    private static string Ratio(double value, double reference, bool self) =>
        self ? "1.00" : double.IsNaN(value) || double.IsNaN(reference) || reference == 0 ? "–" : F(value / reference, 2);

    private static string F(double v, int digits) => double.IsNaN(v) ? "–" : v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);
}
