using System.Globalization;

namespace VSwitch.SystemBench;

/// <summary>
/// Runs the matrix: every round runs every scenario on every device under test once, round-robin with the device order
/// rotated by one per round, so slow drifts of the machine's speed hit every device alike; the table then compares
/// per-round ratios and medians over the rounds. Each measurement
/// starts a fresh switch and a fresh generator and ends both.
/// </summary>
internal sealed class BenchRunner(BenchOptions options, CommandLog log, string vswitchdDll, string vswitchctlDll, TextWriter console)
{
    private volatile bool _stopRequested;

    public List<Measurement> Measurements { get; } = [];

    /// <summary>
    /// Asks the run to end after the measurement in progress, which then ends its processes and removes its files
    /// as usual (SIGINT/SIGTERM land here instead of killing the benchmark and leaving its children running).
    /// </summary>
    public void RequestStop() => _stopRequested = true;

    public string? IdleReport { get; private set; }

    /// <summary>The first-packet-after-idle latency line (<c>--idle</c>).</summary>
    public string? WakeReport { get; private set; }

    public IReadOnlyList<Scenario> Scenarios { get; } =
        [.. options.Sizes.Select(s => new Scenario(s, 0)), .. options.Flows.Select(f => new Scenario(64, f))];

    /// <summary>The devices measured in a scenario, in round-robin order.</summary>
    public IReadOnlyList<DutConfig> DutsFor(Scenario scenario)
    {
        var list = new List<DutConfig>();
        // flowgen sends the same MACs from both ports, so NORMAL would see its source address move at every packet:
        // the flow scenarios forward on in_port, with the rule table in front.
        string[] modes = scenario.Flows == 0 ? [.. options.Modes.OrderDescending(StringComparer.Ordinal)] : ["inport"];
        if (options.Duts.Contains("testpmd"))
        {
            list.Add(new DutConfig("testpmd", "xconnect", "vhostuser"));
        }
        if (options.Duts.Contains("ovs"))
        {
            list.AddRange(modes.Select(m => new DutConfig("ovs", m, "vhostuserclient")));
        }
        if (options.Duts.Contains("vswitchd"))
        {
            foreach (string m in modes)
            {
                list.AddRange(options.Sockets.Order(StringComparer.Ordinal).Select(s => new DutConfig("vswitchd", m, s)));
                if (options.Capture)
                {
                    list.AddRange(options.Sockets.Order(StringComparer.Ordinal).Select(s => new DutConfig("vswitchd", m, s, Capture: true)));
                }
            }
        }
        return list;
    }

    /// <summary>
    /// The devices in the order round <paramref name="round"/> (1-based) measures them: round r starts at device
    /// (r - 1) mod k and wraps, so no device is always measured right after the same other one (a device that leaves
    /// the CPUs warm, cold, or in a different placement would otherwise always help or hurt the same neighbour).
    /// </summary>
    internal static IReadOnlyList<T> Rotated<T>(IReadOnlyList<T> devices, int round)
    {
        if (devices.Count == 0)
        {
            return devices;
        }
        int start = (round - 1) % devices.Count;
        return [.. devices.Skip(start), .. devices.Take(start)];
    }

    public void Run()
    {
        string? rules = options.Flows.Length > 0 ? WriteRules() : null;
        console.WriteLine(FormattableString.Invariant(
            $"{options.Reps} round(s), device order rotated per round, {options.Ring} ring requested by the generator; c2c near below {options.C2cThresholdNs} ns; windows flagged above {options.MaxForeignPercent} % foreign CPU or {options.MaxStealPercent} % steal"));
        try
        {
            for (int round = 1; round <= options.Reps; round++)
            {
                foreach (Scenario scenario in Scenarios)
                {
                    foreach (DutConfig dut in Rotated(DutsFor(scenario), round))
                    {
                        if (_stopRequested)
                        {
                            console.WriteLine("stopped on request; the table covers what was measured");
                            return;
                        }
                        Measurement m = MeasureOne(round, scenario, dut, scenario.Flows > 0 ? rules : null);
                        Measurements.Add(m);
                        console.WriteLine(m.Error is null
                            ? FormattableString.Invariant($"round {round}  {scenario.Label,-28} {dut.Label,-34} {m.Mpps,7:F3} Mpps  (rx {m.RxPort0} + {m.RxPort1} in {m.Seconds:F2} s){Alloc(m)}")
                            : $"round {round}  {scenario.Label,-28} {dut.Label,-34} FAILED: {m.Error.Split('\n')[0]}");
                        console.WriteLine("         " + Conditions(m));
                    }
                }
            }
            if (options.Idle && !_stopRequested)
            {
                IdleReport = MeasureIdle();
                console.WriteLine(IdleReport);
                WakeReport = WakeLatency.Measure(log, vswitchdDll, vswitchctlDll);
                console.WriteLine(WakeReport);
            }
        }
        finally
        {
            if (rules is not null)
            {
                Cleanup.RemoveDirectory(Path.GetDirectoryName(rules)!);
            }
        }
    }

    /// <summary>The window's conditions: c2c before/after and class, foreign load, steal, per-second rates, step, flag.</summary>
    internal static string Conditions(Measurement m)
    {
        string steal = m.StealPercent.Length == 0 ? "–" : string.Join("/", m.StealPercent.Take(2).Select(p => p.ToString("F1", CultureInfo.InvariantCulture)));
        string rates = m.RatesMpps.Length == 0 ? "–" : string.Join(" ", m.RatesMpps.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)));
        string step = m.Step is Step s ? FormattableString.Invariant($"STEP ×{s.Ratio:F2} after second {s.At}") : "no step";
        return FormattableString.Invariant(
            $"c2c {Ns(m.C2cBeforeNs)}/{Ns(m.C2cAfterNs)} ns {m.Class.ToString().ToLowerInvariant()}, foreign {(m.ForeignPercent is double f ? f.ToString("F1", CultureInfo.InvariantCulture) : "–")} % CPU, steal cpu0/cpu1 {steal} %, per second {rates} Mpps, {step}{(m.Flag is null ? "" : "  FLAGGED: " + m.Flag)}");
    }

    private static string Ns(double ns) => double.IsNaN(ns) ? "?" : ns.ToString("F0", CultureInfo.InvariantCulture);

    private static string Alloc(Measurement m) =>
        (m.AllocatedBytes is long b ? FormattableString.Invariant($"  datapath alloc {b} B, gc {m.GcGen0}/{m.GcGen1}/{m.GcGen2}, sleeps {m.Sleeps}") : "") +
        (m.RuleHits is long h ? FormattableString.Invariant($", rule-table hits {h}") : "") +
        (m.Stages is StageTimes st ? FormattableString.Invariant($", stages ns/packet rx {st.Rx:F1} pipeline {st.Pipeline:F1} tx {st.Tx:F1} complete {st.Complete:F1} sum {st.Sum:F1} ({st.Batches} batches timed)") : "");

    /// <summary>
    /// One window with its conditions: the c2c probe right before the processes start and right after they end (while
    /// they run both CPUs are busy polling and the probe would time the scheduler), the machine's other load and the
    /// steal over the window, and the per-second rates inside it.
    /// </summary>
    private Measurement MeasureOne(int round, Scenario scenario, DutConfig config, string? rules)
    {
        double before = Probe();
        Measurement m = MeasureWindow(round, scenario, config, rules);
        double after = Probe();
        return m with { C2cBeforeNs = before, C2cAfterNs = after, Class = Statistics.Classify(before, after, options.C2cThresholdNs) };
    }

    private double Probe() => C2cProbe.Measure(0, 1, options.C2cRoundTrips, TimeSpan.FromSeconds(5));

    /// <summary>Why a window must not be used, or null: foreign load or steal on CPU 0 or 1 above the thresholds.</summary>
    internal static string? FlagFor(WindowLoadFigures load, double maxForeignPercent, double maxStealPercent)
    {
        var reasons = new List<string>();
        if (load.ForeignPercent > maxForeignPercent)
        {
            reasons.Add(FormattableString.Invariant($"foreign load {load.ForeignPercent:F1} % > {maxForeignPercent} %"));
        }
        for (int cpu = 0; cpu < Math.Min(2, load.StealPercent.Length); cpu++)
        {
            if (load.StealPercent[cpu] > maxStealPercent)
            {
                reasons.Add(FormattableString.Invariant($"steal on cpu{cpu} {load.StealPercent[cpu]:F1} % > {maxStealPercent} %"));
            }
        }
        return reasons.Count == 0 ? null : string.Join(", ", reasons);
    }

    /// <summary>A step of a quarter or more between the seconds before and after some point of the window is reported.</summary>
    public const double StepRatio = 1.25;

    private Measurement MeasureWindow(int round, Scenario scenario, DutConfig config, string? rules)
    {
        try
        {
            using IDeviceUnderTest dut = Create(config, rules);
            using Generator gen = Generator.Start(dut.Socket0, dut.Socket1, dut.GeneratorListens, scenario, log, options.Ring);
            gen.WaitLinksUp(TimeSpan.FromSeconds(60));
            dut.WaitReady(TimeSpan.FromSeconds(60));
            gen.StartTraffic(options.TxFirstBursts, TimeSpan.FromSeconds(1));
            Thread.Sleep(TimeSpan.FromSeconds(options.WarmupSeconds));
            int[] own = [gen.Pid, Environment.ProcessId, .. dut.Pids];
            Window w = gen.Measure(options.WindowSeconds, dut.OpenWindow, () => WindowLoad.Take(own));
            WindowLoadFigures load = WindowLoad.Between(w.Start, w.End);
            var alloc = dut.AllocationSinceOpen();
            StageTimes? stages = (dut as VswitchdDut)?.StagesSinceOpen();
            gen.StopForwarding();
            PortPair c = w.Counters;
            return new Measurement(round, scenario, config, w.Elapsed, c.Rx0, c.Rx1, c.Tx0, c.Tx1,
                alloc?.Bytes, alloc?.Gen0, alloc?.Gen1, alloc?.Gen2, null)
            {
                RuleHits = rules is null ? null : dut.RuleHits(),
                Sleeps = alloc?.Sleeps,
                Stages = stages,
                ForeignPercent = load.ForeignPercent,
                StealPercent = load.StealPercent,
                Flag = FlagFor(load, options.MaxForeignPercent, options.MaxStealPercent),
                RatesMpps = w.RatesMpps,
                Step = Statistics.FindStep(w.RatesMpps, StepRatio),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or KeyNotFoundException or System.Text.Json.JsonException)
        {
            // The first line says what failed; the end of the rest (a peer's console) says why.
            string message = e.Message.Length > 2000 ? e.Message.Split('\n')[0] + "\n…\n" + e.Message[^1500..] : e.Message;
            return new Measurement(round, scenario, config, 0, 0, 0, 0, 0, null, null, null, null, message);
        }
    }

    private IDeviceUnderTest Create(DutConfig config, string? rules) => config.Kind switch
    {
        "testpmd" => new TestPmdDut(log),
        "ovs" => new OvsDut(log, options.OvsVswitchd, config, rules),
        _ => new VswitchdDut(log, vswitchdDll, vswitchctlDll, config, rules),
    };

    /// <summary>
    /// The rule table of the flow scenarios, loaded identically into OVS and vswitchd (ports 1 and 2): for the first
    /// <c>rules / 2</c> destination addresses flowgen uses (10.253.0.0 + i), one rule per input port,
    /// <c>priority=100,udp,in_port=P,nw_dst=ADDR,actions=output:OTHER</c>, in front of the two in_port rules
    /// (which the devices add at priority 10). Every flow up to rules / 2 matches
    /// its own /32 rule, so no megaflow can cover two of them; flows beyond it miss the whole table and fall through to
    /// priority 10, which still needs nw_dst examined.
    /// </summary>
    private string WriteRules()
    {
        string dir = Directory.CreateTempSubdirectory("vsbench-rules").FullName;
        string path = Path.Combine(dir, "rules.txt");
        using var w = new StreamWriter(path);
        uint first = (10u << 24) | (253u << 16);
        for (int i = 0; i < options.Rules / 2; i++)
        {
            uint a = first + (uint)i;
            string dst = string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}");
            w.WriteLine($"priority=100,udp,in_port=1,nw_dst={dst},actions=output:2");
            w.WriteLine($"priority=100,udp,in_port=2,nw_dst={dst},actions=output:1");
        }
        log.Add($"rules file: {options.Rules / 2 * 2} lines 'priority=100,udp,in_port=P,nw_dst=10.253.0.0+i,actions=output:OTHER' (i = 0..{options.Rules / 2 - 1}, P = 1, 2)");
        return path;
    }

    /// <summary>vswitchd's CPU use with two connected, idle ports over 10 s (adaptive mode, the default).</summary>
    private string MeasureIdle()
    {
        try
        {
            var config = new DutConfig("vswitchd", "normal", "vhostuser");
            using var dut = new VswitchdDut(log, vswitchdDll, vswitchctlDll, config, null);
            using Generator gen = Generator.Start(dut.Socket0, dut.Socket1, false, new Scenario(64, 0), log);
            gen.WaitLinksUp(TimeSpan.FromSeconds(60));
            dut.WaitReady(TimeSpan.FromSeconds(60));
            Thread.Sleep(2000);
            double before = MachineCheck.CpuSeconds(dut.Pid);
            Thread.Sleep(10_000);
            double used = MachineCheck.CpuSeconds(dut.Pid) - before;
            return FormattableString.Invariant($"idle: vswitchd used {100 * used / 10:F1} % of a CPU over 10 s with two connected idle ports (adaptive mode)");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            return "idle: measurement failed: " + e.Message.Split('\n')[0];
        }
    }
}
