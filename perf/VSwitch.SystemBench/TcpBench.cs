using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VSwitch.TestKit.Net;

namespace VSwitch.SystemBench;

/// <summary>One iperf3 window of the TCP mode.</summary>
/// <param name="Round">Round number, from 1.</param>
/// <param name="Device">The device's name (see <see cref="TcpBench.Devices"/>).</param>
/// <param name="Gbps">The receiver's rate over the window, Gbit/s (NaN on error).</param>
/// <param name="Retransmits">Segments the sender retransmitted.</param>
/// <param name="DeviceCpuPercent">CPU the device's processes used over the window, percent of one CPU (0 for the kernel bridge).</param>
/// <param name="ForeignCpuPercent">Busy CPU of the machine over the window minus the device's and both iperf3s' own, percent of one CPU (approximate: softirq work runs in whatever process is current).</param>
/// <param name="Load1">The 1-minute load average as the window started.</param>
/// <param name="Notes">Device facts (vswitchd: offloads and super-frames per tap).</param>
/// <param name="Error">Why the window failed, or null.</param>
/// <param name="Flag">Why the window is not used although it ran (foreign CPU or steal over the limits, as in the packet mode), or null.</param>
internal sealed record TcpMeasurement(int Round, string Device, double Gbps, long Retransmits, double DeviceCpuPercent, double ForeignCpuPercent,
    double Load1, string? Notes, string? Error, string? Flag = null)
{
    /// <summary>Ran and was not flagged: counted in medians and ratios.</summary>
    public bool Usable => Error is null && Flag is null;
}

/// <summary>
/// The TCP mode (<c>--tcp</c>): iperf3 TCP between two network namespaces joined by each device in turn — vswitchd with
/// two tap ports (offloads on, and off), a Linux bridge with veth pairs (the anchor), OVS-DPDK with two tap ports
/// and userspace TSO. Every round measures every device once with fresh processes and namespaces, the order rotated by
/// one device per round; the summary is the median rate and the median of per-round ratios against the bridge and
/// OVS-DPDK. A window in which other processes used more than <c>--max-foreign</c> % of a CPU, or CPU 0 or 1 had more
/// than <c>--max-steal</c> % steal, is flagged and left out of both (counted in the table), as in the packet mode.
/// </summary>
internal sealed class TcpBench(BenchOptions options, CommandLog log, string vswitchdDll, string vswitchctlDll, TextWriter console)
{
    /// <summary>Every device the mode knows, in report order.</summary>
    public static readonly string[] Devices = ["vswitchd", "vswitchd-nooffload", "bridge", "ovs-tso", "vswitchd-vxlan", "kernel-vxlan"];

    /// <summary>The devices of the plain TCP mode (<c>--tcp</c>): one switch between two namespaces.</summary>
    public static readonly string[] LocalDevices = ["vswitchd", "vswitchd-nooffload", "bridge", "ovs-tso"];

    /// <summary>The devices of the VXLAN mode (<c>--vxlan</c>): two hosts, a switch in each, a tunnel between them.</summary>
    public static readonly string[] TunnelDevices = ["vswitchd-vxlan", "kernel-vxlan"];

    private const string Ip0 = "10.91.0.1", Ip1 = "10.91.0.2";
    private const int Port = 5201;
    private volatile bool _stopRequested;

    public List<TcpMeasurement> Measurements { get; } = [];

    /// <summary>Ends the run after the window in progress.</summary>
    public void RequestStop() => _stopRequested = true;

    public void Run()
    {
        string[] devices = [.. Devices.Where(options.TcpDevices.Contains)];
        for (int round = 1; round <= options.Reps && !_stopRequested; round++)
        {
            for (int k = 0; k < devices.Length && !_stopRequested; k++)
            {
                string device = devices[(round - 1 + k) % devices.Length];
                TcpMeasurement m = Measure(round, device);
                Measurements.Add(m);
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}  tcp {device,-19} {(m.Error is null ? $"{m.Gbps,7:F2} Gbit/s" : "FAILED " + m.Error)}  retransmits {m.Retransmits}, device CPU {m.DeviceCpuPercent:F0} %, foreign {m.ForeignCpuPercent:F0} %, load {m.Load1:F2}{(m.Notes is null ? "" : "; " + m.Notes)}{(m.Flag is null ? "" : "  FLAGGED: " + m.Flag)}"));
            }
        }
    }

    private TcpMeasurement Measure(int round, string device)
    {
        double load1 = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        try
        {
            using var ns0 = new NetNamespace("vsbn");
            using var ns1 = new NetNamespace("vsbn");
            using ITcpDevice dut = Create(device);
            ns0.Adopt(dut.Interfaces.If0, Ip0 + "/24", ipv6: false);
            ns1.Adopt(dut.Interfaces.If1, Ip1 + "/24", ipv6: false);
            dut.WaitReady(TimeSpan.FromSeconds(30));
            WaitReachable(ns0);
            using ChildProcess server = ChildProcess.Start(log, "ip", ["netns", "exec", ns1.Name, "iperf3", "-s", "-1", "-B", Ip1, "-p", Port.ToString(CultureInfo.InvariantCulture)]);
            WaitListening(ns1, server);
            double[] deviceBefore = [.. dut.Pids.Select(MachineCheck.CpuSeconds)];
            (long busyBefore, long totalBefore) = CpuTicks();
            long[] stealBefore = WindowLoad.ParseProcStat(File.ReadAllText("/proc/stat")).Steal;
            string json = ChildProcess.Run(log, "ip",
                ["netns", "exec", ns0.Name, "iperf3", "-c", Ip1, "-p", Port.ToString(CultureInfo.InvariantCulture), "-t",
                 options.TcpSeconds.ToString(CultureInfo.InvariantCulture), "-O", "1", "-J"],
                timeoutSeconds: (int)options.TcpSeconds + 60);
            (long busyAfter, long totalAfter) = CpuTicks();
            long[] stealAfter = WindowLoad.ParseProcStat(File.ReadAllText("/proc/stat")).Steal;
            double deviceSeconds = dut.Pids.Select(MachineCheck.CpuSeconds).Zip(deviceBefore, (a, b) => a - b).Sum();
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement end = doc.RootElement.GetProperty("end");
            double gbps = end.GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e9;
            long retransmits = end.GetProperty("sum_sent").TryGetProperty("retransmits", out JsonElement r) ? r.GetInt64() : 0;
            JsonElement cpu = end.GetProperty("cpu_utilization_percent");
            // /proc/stat counts every CPU's ticks: the window's wall time is its total over the CPU count.
            double windowSeconds = (totalAfter - totalBefore) / 100.0 / Environment.ProcessorCount;
            double busyPercent = 100.0 * (busyAfter - busyBefore) / 100.0 / windowSeconds;
            double devicePercent = 100.0 * deviceSeconds / windowSeconds;
            // iperf3's own figures are percent of one CPU over its test time (without the omitted first second).
            double foreign = Math.Max(0, busyPercent - devicePercent - cpu.GetProperty("host_total").GetDouble() - cpu.GetProperty("remote_total").GetDouble());
            double[] steal = [.. stealAfter.Zip(stealBefore, (a, b) => 100 * (a - b) / WindowLoad.TicksPerSecond / windowSeconds)];
            string? flag = BenchRunner.FlagFor(new WindowLoadFigures(foreign, steal), options.MaxForeignPercent, options.MaxStealPercent);
            return new TcpMeasurement(round, device, gbps, retransmits, devicePercent, foreign, load1, dut.Notes(), null, flag);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or JsonException or KeyNotFoundException)
        {
            return new TcpMeasurement(round, device, double.NaN, 0, 0, 0, load1, null, e.Message.Split('\n')[0]);
        }
    }

    private ITcpDevice Create(string device) => device switch
    {
        "vswitchd" => new VswitchdTapDevice(log, vswitchdDll, vswitchctlDll, offloads: true),
        "vswitchd-nooffload" => new VswitchdTapDevice(log, vswitchdDll, vswitchctlDll, offloads: false),
        "bridge" => new LinuxBridgeDevice(log),
        "vswitchd-vxlan" => new VswitchdVxlanDevice(log, vswitchdDll, vswitchctlDll),
        "kernel-vxlan" => new KernelVxlanDevice(log),
        "ovs-tso" => new OvsTapDevice(log, options.OvsVswitchd, tso: true),
        _ => throw new ArgumentOutOfRangeException(nameof(device), device, "unknown TCP device"),
    };

    private static void WaitReachable(NetNamespace ns)
    {
        var clock = Stopwatch.StartNew();
        while (ns.Exec(10_000, "busybox", "ping", "-c", "1", "-W", "1", Ip1).ExitCode != 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"{Ip1} did not answer from {ns.Name} within 30 s");
            }
        }
    }

    private static void WaitListening(NetNamespace ns, ChildProcess server)
    {
        var clock = Stopwatch.StartNew();
        // /proc/net/tcp lines: "sl local_address:PORT rem_address:0000 st ...", hex, st 0A = LISTEN.
        var listening = new Regex($@"^\s*\d+: [0-9A-F]+:{Port:X4} [0-9A-F]+:0000 0A ", RegexOptions.Multiline);
        while (!listening.IsMatch(ns.ReadSys("/proc/net/tcp")))
        {
            if (server.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("iperf3 server did not listen: " + server.Output);
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// Busy and total ticks of all CPUs from /proc/stat: busy is user, nice, system, irq and softirq; total adds idle,
    /// iowait and steal (wall time).
    /// </summary>
    private static (long Busy, long Total) CpuTicks()
    {
        string[] f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long[] v = [.. f.Skip(1).Take(8).Select(x => long.Parse(x, CultureInfo.InvariantCulture))];
        return (v[0] + v[1] + v[2] + v[5] + v[6], v.Sum());
    }

    /// <summary>The results file: options, machine, per-window lines, and the summary table.</summary>
    public string Report(string machine, string[] args, DateTime started)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"# System benchmark, TCP mode, {started:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(inv, $"- command: `perf/system-bench.sh {string.Join(' ', args)}`");
        sb.AppendLine(inv, $"- machine: {machine}; CPU {MachineCheck.CpuModel()}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}");
        sb.AppendLine(inv, $"- iperf3 TCP, one stream, {options.TcpSeconds:F0} s after 1 s omitted, namespace 0 sends to namespace 1; {options.Reps} rounds, device order rotated per round");
        sb.AppendLine(inv, $"- windows flagged above {options.MaxForeignPercent} % foreign CPU or {options.MaxStealPercent} % steal on CPU 0 or 1: {Measurements.Count(m => m.Error is null && m.Flag is not null)} of {Measurements.Count} flagged, left out of medians and ratios (`!` in the runs column)");
        sb.AppendLine();
        // Ratios against each anchor that ran: the bridge and OVS-DPDK for the local devices, the kernel's VXLAN for the tunnel.
        string[] anchors = [.. ((string[])["bridge", "ovs-tso", "kernel-vxlan"]).Where(a => Measurements.Any(m => m.Device == a))];
        if (anchors.Length == 0)
        {
            anchors = ["bridge", "ovs-tso"];
        }
        sb.AppendLine(inv, $"| device | Gbit/s (median) | min–max | {string.Join(" | ", anchors.Select((a, i) => "× " + AnchorName(a) + (i == 0 ? ", median of per-round ratios (min–max, rounds)" : ", likewise")))} | runs (Gbit/s) | flagged | median foreign CPU % | median device CPU % |");
        sb.AppendLine(inv, $"|---|---:|---|{string.Concat(anchors.Select(_ => "---|"))}---|---:|---:|---:|");
        foreach (string device in Devices.Where(d => Measurements.Any(m => m.Device == d)))
        {
            List<TcpMeasurement> ok = [.. Measurements.Where(m => m.Device == device && m.Usable)];
            int flagged = Measurements.Count(m => m.Device == device && m.Error is null && m.Flag is not null);
            Spread? rate = Statistics.Summarize(ok.Select(m => m.Gbps));
            sb.AppendLine(inv, $"| {device} | {(rate is { } s ? s.Median.ToString("F2", inv) : "-")} | {(rate is { } t ? $"{t.Min:F2}–{t.Max:F2}" : "-")} | {string.Join(" | ", anchors.Select(a => Ratio(device, a)))} | {string.Join(' ', Measurements.Where(m => m.Device == device).Select(m => m.Error is null ? m.Gbps.ToString("F2", inv) + (m.Flag is null ? "" : "!") : "x"))} | {flagged} | {(ok.Count == 0 ? "-" : Statistics.Median(ok.Select(m => m.ForeignCpuPercent)).ToString("F0", inv))} | {(ok.Count == 0 ? "-" : Statistics.Median(ok.Select(m => m.DeviceCpuPercent)).ToString("F0", inv))} |");
        }
        sb.AppendLine();
        sb.AppendLine("## Windows");
        sb.AppendLine();
        sb.AppendLine("| round | device | Gbit/s | retransmits | device CPU % | foreign CPU % | load (1 min) | flag | notes |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|---|---|");
        foreach (TcpMeasurement m in Measurements)
        {
            sb.AppendLine(inv, $"| {m.Round} | {m.Device} | {(m.Error is null ? m.Gbps.ToString("F2", inv) : "failed")} | {m.Retransmits} | {m.DeviceCpuPercent:F0} | {m.ForeignCpuPercent:F0} | {m.Load1:F2} | {m.Flag ?? ""} | {m.Error ?? m.Notes ?? ""} |");
        }
        sb.AppendLine();
        log.AppendSection(sb);
        return sb.ToString();
    }

    private static string AnchorName(string device) => device switch
    {
        "ovs-tso" => "OVS-DPDK TSO",
        "kernel-vxlan" => "kernel VXLAN",
        _ => device,
    };

    /// <summary>"median (min–max, n)" of this device's window ÷ the reference's window in the same round (both usable).</summary>
    private string Ratio(string device, string reference)
    {
        if (device == reference)
        {
            return "1";
        }
        var ratios = new List<double>();
        foreach (TcpMeasurement m in Measurements.Where(m => m.Device == device && m.Usable))
        {
            TcpMeasurement? other = Measurements.FirstOrDefault(o => o.Device == reference && o.Round == m.Round && o.Usable);
            if (other is { Gbps: > 0 })
            {
                ratios.Add(m.Gbps / other.Gbps);
            }
        }
        return Statistics.Summarize(ratios) is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"**{s.Median:F2}** ({s.Min:F2}–{s.Max:F2}, {s.Count})")
            : "-";
    }
}
