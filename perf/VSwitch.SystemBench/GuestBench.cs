using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using VSwitch.TestKit.Guests;
using VSwitch.TestKit.Net;

namespace VSwitch.SystemBench;

/// <summary>One TCP transfer of the guest mode.</summary>
/// <param name="Round">Round number, from 1.</param>
/// <param name="Scenario"><c>g2g</c> (guest to guest over two vhost-user ports) or <c>g2ns</c> (guest to a namespace behind a tap).</param>
/// <param name="Device">The switch (see <see cref="GuestBench.Devices"/>).</param>
/// <param name="Data"><c>zero</c> (dd from /dev/zero, into a tmpfs file) or <c>payload</c> (the guest kit's payload, md5 on both sides).</param>
/// <param name="Bytes">Bytes transferred.</param>
/// <param name="Seconds">The sender's time for the transfer, connect to close (measured in the guest).</param>
/// <param name="SenderCpu">The sending guest's own CPU over the transfer (its /proc/stat), percent of its one vCPU: busy, user, sys, softirq.</param>
/// <param name="ReceiverBusyPercent">The receiving guest's busy CPU (its /proc/stat, from listening to the end) over the sender's time, percent; NaN for a namespace.</param>
/// <param name="SenderQemuPercent">Host CPU of the sender's QEMU over the transfer's host interval, percent of one CPU.</param>
/// <param name="ReceiverQemuPercent">Likewise for the receiving guest's QEMU; NaN for a namespace.</param>
/// <param name="SwitchPercent">Host CPU of vswitchd over the same interval, percent of one CPU.</param>
/// <param name="FrameBytes">Average frame the switch received from the sender's port over the interval (super-frames show as more than 1514).</param>
/// <param name="ForeignPercent">Busy CPU of the machine over the run (from before the sender boots to the end of the payload transfer) minus the run's own processes, percent of one CPU.</param>
/// <param name="Load1">The 1-minute load average as the run started.</param>
/// <param name="Flag">Why the run's figures are not used (foreign CPU or steal over the limits), or null.</param>
/// <param name="Error">Why the transfer failed, or null.</param>
internal sealed record GuestMeasurement(int Round, string Scenario, string Device, string Data, long Bytes, double Seconds,
    GuestCpu SenderCpu, double ReceiverBusyPercent, double SenderQemuPercent, double ReceiverQemuPercent, double SwitchPercent,
    double FrameBytes, double ForeignPercent, double Load1, string? Flag, string? Error)
{
    /// <summary>MB/s (10^6 bytes per second) of the transfer.</summary>
    public double MBps => Error is null && Seconds > 0 ? Bytes / Seconds / 1e6 : double.NaN;

    /// <summary>Transferred and not flagged: counted in medians and ratios.</summary>
    public bool Usable => Error is null && Flag is null;

    /// <summary>A failed transfer.</summary>
    public static GuestMeasurement Failed(int round, string scenario, string device, string data, double load1, string error) =>
        new(round, scenario, device, data, 0, double.NaN, GuestCpu.None, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, load1, null, error);
}

/// <summary>A guest's CPU over an interval, percent of one vCPU (from the guest's /proc/stat).</summary>
internal readonly record struct GuestCpu(double Busy, double User, double Sys, double Softirq)
{
    public static GuestCpu None => new(double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>From a send or zsend line: its <c>busy_s user_s sys_s softirq_s total_s</c>.</summary>
    public static GuestCpu From(GuestResult r)
    {
        double total = r.GetDouble("total_s");
        return total <= 0 ? None
            : new(100 * r.GetDouble("busy_s") / total, 100 * r.GetDouble("user_s") / total, 100 * r.GetDouble("sys_s") / total, 100 * r.GetDouble("softirq_s") / total);
    }
}

/// <summary>
/// The guest mode (<c>--guests</c>): TCP between QEMU guests of the guest kit (Linux under TCG, one vCPU each) on
/// vhost-user ports of vswitchd, and from such a guest to a network namespace behind a tap port of the same vswitchd.
/// Each run boots fresh guests on a fresh switch and transfers the same number of bytes twice: zeros (dd from
/// /dev/zero, nothing computed) and the kit's md5-checked payload. Every round runs every scenario on every device
/// (offloads on, offloads off, and the build before offloads when given), the device order rotated per round.
/// </summary>
internal sealed class GuestBench(BenchOptions options, CommandLog log, string vswitchdDll, string vswitchctlDll, TextWriter console)
{
    /// <summary>Every device the mode knows, in report order.</summary>
    public static readonly string[] Devices = ["vswitchd", "vswitchd-nooffload", "before"];

    /// <summary>The scenarios, in report order.</summary>
    public static readonly string[] Scenarios = ["g2g", "g2ns"];

    private static readonly string[] DataKinds = ["zero", "payload"];
    private const int Port = 5001;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(5);
    private volatile bool _stopRequested;

    public List<GuestMeasurement> Measurements { get; } = [];

    /// <summary>Ends the run after the transfer pair in progress.</summary>
    public void RequestStop() => _stopRequested = true;

    public void Run()
    {
        GuestImage image = GuestKit.Image;
        string[] devices = [.. Devices.Where(options.GuestDevices.Contains)];
        string[] scenarios = [.. Scenarios.Where(options.GuestScenarios.Contains)];
        for (int round = 1; round <= options.Reps && !_stopRequested; round++)
        {
            foreach (string scenario in scenarios)
            {
                for (int k = 0; k < devices.Length && !_stopRequested; k++)
                {
                    string device = devices[(round - 1 + k) % devices.Length];
                    foreach (GuestMeasurement m in MeasureRun(image, round, scenario, device))
                    {
                        Measurements.Add(m);
                        console.WriteLine(Line(m));
                    }
                }
            }
        }
    }

    private static string Line(GuestMeasurement m) => FormattableString.Invariant(
        $"round {m.Round}  {m.Scenario,-4} {m.Device,-18} {m.Data,-7} ") + (m.Error is not null ? "FAILED " + m.Error
        : FormattableString.Invariant($"{m.MBps,6:F2} MB/s ({m.Bytes >> 20} MiB in {m.Seconds:F2} s)  sender guest busy {m.SenderCpu.Busy:F0} % (user {m.SenderCpu.User:F0}, sys {m.SenderCpu.Sys:F0}, softirq {m.SenderCpu.Softirq:F0}), receiver {Pct(m.ReceiverBusyPercent)}; host CPU: sender QEMU {m.SenderQemuPercent:F0} %, receiver QEMU {Pct(m.ReceiverQemuPercent)}, vswitchd {m.SwitchPercent:F0} %; {m.FrameBytes:F0} B/frame from the sender; foreign {m.ForeignPercent:F1} %, load {m.Load1:F2}{(m.Flag is null ? "" : "  FLAGGED: " + m.Flag)}"));

    private static string Pct(double p) => double.IsNaN(p) ? "-" : p.ToString("F0", CultureInfo.InvariantCulture) + " %";

    /// <summary>One run: a fresh switch and guests, the zero transfer then the payload transfer.</summary>
    private List<GuestMeasurement> MeasureRun(GuestImage image, int round, string scenario, string device)
    {
        double load1 = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        long bytes = options.GuestMiB << 20;
        var results = new List<GuestMeasurement>();
        var guests = new List<QemuGuest>();
        NetNamespace? ns = null;
        NsListener? listener = null;
        bool before = device == "before";
        string daemonDll = before ? options.BeforeVswitchdDll! : vswitchdDll;
        string ctlDll = before ? options.BeforeVswitchctlDll ?? vswitchctlDll : vswitchctlDll;
        string[] offloadsOff = device == "vswitchd-nooffload" ? ["-o", "offloads=off"] : [];
        try
        {
            using var sw = new GuestSwitch(log, daemonDll, ctlDll);
            string sockA = sw.AddVhostUser("vm1", offloadsOff);
            string peerIp;
            QemuGuest? receiver = null;
            if (scenario == "g2g")
            {
                string sockB = sw.AddVhostUser("vm2", offloadsOff);
                peerIp = "10.92.0.2";
                receiver = QemuGuest.Start(image, Guest("b", "52:54:00:92:00:0b", sockB, "zrecv,recv", peerIp + "/24", "10.92.0.1", bytes));
                guests.Add(receiver);
            }
            else
            {
                string ifName = sw.AddTap("t1", device == "vswitchd-nooffload" ? ["--offloads", "off"] : []);
                peerIp = "10.92.0.2";
                ns = new NetNamespace("vsbg");
                ns.Adopt(ifName, peerIp + "/24", ipv6: false);
                listener = NsListener.Start(log, ns, Port, "/dev/null");
            }
            CpuSnapshot loadStart = WindowLoad.Take(OwnPids());
            long childrenStart = ReapedChildTicks();
            QemuGuest sender = QemuGuest.Start(image, Guest("a", "52:54:00:92:00:0a", sockA, "reach,zsend,send", "10.92.0.1/24", peerIp, bytes));
            guests.Add(sender);

            sender.WaitForResult("reach", BootTimeout);
            HostSample s0 = Sample();
            GuestResult zsend = sender.WaitForResult("zsend", TransferTimeout);
            HostSample s1 = Sample();
            string? zeroError = zsend["ok"] != "1" ? "zsend failed: " + zsend.Line : null;
            if (receiver is not null)
            {
                GuestResult zrecv = receiver.WaitForResult("zrecv", TransferTimeout);
                zeroError ??= zrecv["bytes"] != zsend["bytes"] ? $"zero transfer: {zrecv["bytes"]} bytes received of {zsend["bytes"]}" : null;
                results.Add(Make("zero", zsend, zrecv, s0, s1));
            }
            else
            {
                zeroError ??= listener!.WaitForExit(TimeSpan.FromMinutes(1)) ? null : "the namespace's nc did not finish";
                listener!.Dispose();
                listener = null;
                listener = NsListener.Start(log, ns!, Port, Path.Combine(sw.Dir, "received.bin"));
                results.Add(Make("zero", zsend, null, s0, s1));
            }
            results[^1] = results[^1] with { Error = zeroError };

            GuestResult send = sender.WaitForResult("send", TransferTimeout);
            HostSample s2 = Sample();
            // The run's load ends here, while the guests still run (a QEMU that has exited no longer shows its CPU).
            CpuSnapshot loadEnd = WindowLoad.Take(OwnPids());
            long childrenEnd = ReapedChildTicks();
            string expected = GuestPayload.Md5(bytes);
            string? payloadError = send["ok"] != "1" ? "send failed: " + send.Line : send["md5"] != expected ? "sender md5 differs from the payload's" : null;
            GuestResult? recv = null;
            if (receiver is not null)
            {
                recv = receiver.WaitForResult("recv", TransferTimeout);
                payloadError ??= recv["md5"] != expected ? $"received md5 {recv["md5"]} is not the payload's {expected}" : null;
            }
            else
            {
                payloadError ??= listener!.WaitForExit(TimeSpan.FromMinutes(1)) ? null : "the namespace's nc did not finish";
                payloadError ??= Md5(Path.Combine(sw.Dir, "received.bin")) is var md5 && md5 != expected ? $"received md5 {md5} is not the payload's {expected}" : null;
            }
            results.Add(Make("payload", send, recv, s1, s2) with { Error = payloadError });

            foreach (QemuGuest g in guests)
            {
                g.WaitForExit(TimeSpan.FromMinutes(1));
            }
            WindowLoadFigures load = WindowLoad.Between(loadStart, loadEnd);
            // The benchmark's own short commands (vswitchctl, the first nc) ended inside the run: their CPU is the
            // benchmark's, found in its reaped children's time.
            double runSeconds = (loadEnd.Timestamp - loadStart.Timestamp) / (double)Stopwatch.Frequency;
            load = load with { ForeignPercent = Math.Max(0, load.ForeignPercent - 100 * (childrenEnd - childrenStart) / WindowLoad.TicksPerSecond / runSeconds) };
            string? flag = BenchRunner.FlagFor(load, options.MaxForeignPercent, options.MaxStealPercent);
            return [.. results.Select(m => m with { ForeignPercent = load.ForeignPercent, Flag = flag })];

            int[] OwnPids() => [Environment.ProcessId, sw.Pid, .. guests.Select(g => g.Pid), .. listener is null ? [] : new[] { listener.Pid }];

            HostSample Sample() => new(Stopwatch.GetTimestamp(), MachineCheck.CpuSeconds(sw.Pid),
                [.. guests.Select(g => g.HasExited ? double.NaN : MachineCheck.CpuSeconds(g.Pid))], sw.RxCounters("vm1"));

            GuestMeasurement Make(string data, GuestResult sent, GuestResult? received, HostSample a, HostSample b)
            {
                double seconds = sent.GetDouble("seconds");
                double wall = (b.Timestamp - a.Timestamp) / (double)Stopwatch.Frequency;
                // Guest order: the receiver (g2g) first, the sender last.
                int senderIndex = guests.Count - 1;
                return new GuestMeasurement(round, scenario, device, data, sent.GetInt64("bytes"), seconds, GuestCpu.From(sent),
                    received is null ? double.NaN : 100 * received.GetDouble("busy_s") / seconds,
                    100 * (b.Qemu[senderIndex] - a.Qemu[senderIndex]) / wall,
                    received is null ? double.NaN : 100 * (b.Qemu[0] - a.Qemu[0]) / wall,
                    100 * (b.SwitchCpu - a.SwitchCpu) / wall,
                    b.Rx is { } rb && a.Rx is { } ra && rb.Packets > ra.Packets ? (double)(rb.Bytes - ra.Bytes) / (rb.Packets - ra.Packets) : double.NaN,
                    double.NaN, load1, null, null);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or KeyNotFoundException or FormatException or JsonException)
        {
            // The first line says what failed; a guest's exception carries its console's tail after it.
            string why = string.Join(" | ", e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(4));
            return [.. results, .. DataKinds.Skip(results.Count).Select(d => GuestMeasurement.Failed(round, scenario, device, d, load1, why))];
        }
        finally
        {
            listener?.Dispose();
            foreach (QemuGuest g in guests)
            {
                g.Dispose();
            }
            ns?.Dispose();
        }
    }

    /// <summary>CPU ticks of this process's children that have ended and been reaped (cutime + cstime of /proc/self/stat).</summary>
    private static long ReapedChildTicks()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
    }

    private GuestOptions Guest(string name, string mac, string socket, string role, string ip, string peer, long bytes) => new()
    {
        Name = name,
        Mac = mac,
        SocketPath = socket,
        SocketMode = GuestSocketMode.QemuClient,
        CpuAffinity = options.GuestCpus,
        Timeout = TimeSpan.FromMinutes(15),
        Role = role,
        Ip = ip,
        Peer = peer,
        Bytes = bytes,
        Port = Port,
        Seconds = 600,
        WaitSeconds = 120,
    };

    private static string Md5(string path)
    {
        using FileStream f = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(f));
    }

    /// <summary>Host-side counters at one instant: vswitchd's CPU seconds, each QEMU's, the sender port's receive counters.</summary>
    private readonly record struct HostSample(long Timestamp, double SwitchCpu, double[] Qemu, (long Packets, long Bytes)? Rx);

    /// <summary>The results file: options, machine, the summary per scenario and data, every transfer, commands.</summary>
    public string Report(string machine, string[] args, DateTime started)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"# System benchmark, guest mode, {started:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(inv, $"- command: `perf/system-bench.sh {string.Join(' ', args)}`");
        sb.AppendLine(inv, $"- machine: {machine}; CPU {MachineCheck.CpuModel()}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}");
        sb.AppendLine(inv, $"- guests: the guest kit (Linux under QEMU TCG, 1 vCPU, 256 MiB, virtio-net with QEMU's default offloads, MTU 1500) on host CPU {options.GuestCpus}; vswitchd's datapath thread on CPU 0");
        sb.AppendLine(inv, $"- each run: fresh switch and guests; {options.GuestMiB} MiB of zeros (dd from /dev/zero, received into a tmpfs file), then {options.GuestMiB} MiB of the kit's payload (generated by a shell loop, tee'd into md5sum on both sides); MB/s = 10^6 bytes/s over the sender's connect-to-close time");
        sb.AppendLine(inv, $"- {options.Reps} rounds, device order rotated per round; runs flagged above {options.MaxForeignPercent} % foreign CPU or {options.MaxStealPercent} % steal over the run: {Measurements.Count(m => m.Error is null && m.Flag is not null)} of {Measurements.Count} transfers flagged, left out of medians and ratios (`!`)");
        sb.AppendLine();
        sb.AppendLine("| scenario | data | device | MB/s (median) | min–max | median of every transfer, flagged included | × offloads off, median of per-round ratios (min–max, rounds) | × before offloads, likewise | runs (MB/s) | flagged | sender guest busy % (sys, softirq) | receiver guest busy % | host CPU % sender QEMU / receiver QEMU / vswitchd | B per frame from the sender |");
        sb.AppendLine("|---|---|---|---:|---|---:|---|---|---|---:|---|---:|---|---:|");
        foreach (string scenario in Scenarios)
        {
            foreach (string data in DataKinds)
            {
                foreach (string device in Devices.Where(d => Measurements.Any(m => m.Scenario == scenario && m.Data == data && m.Device == d)))
                {
                    List<GuestMeasurement> all = [.. Measurements.Where(m => m.Scenario == scenario && m.Data == data && m.Device == device)];
                    List<GuestMeasurement> ok = [.. all.Where(m => m.Usable)];
                    Spread? rate = Statistics.Summarize(ok.Select(m => m.MBps));
                    sb.AppendLine(inv, $"| {scenario} | {data} | {device} | {(rate is { } s ? s.Median.ToString("F2", inv) : "-")} | {(rate is { } t ? $"{t.Min:F2}–{t.Max:F2}" : "-")} | {(all.Any(m => m.Error is null) ? Statistics.Median(all.Where(m => m.Error is null).Select(m => m.MBps)).ToString("F2", inv) : "-")} | {Ratio(scenario, data, device, "vswitchd-nooffload")} | {Ratio(scenario, data, device, "before")} | {string.Join(' ', all.Select(m => m.Error is null ? m.MBps.ToString("F2", inv) + (m.Flag is null ? "" : "!") : "x"))} | {all.Count(m => m.Error is null && m.Flag is not null)} | {Med(ok, m => m.SenderCpu.Busy)} ({Med(ok, m => m.SenderCpu.Sys)}, {Med(ok, m => m.SenderCpu.Softirq)}) | {Med(ok, m => m.ReceiverBusyPercent)} | {Med(ok, m => m.SenderQemuPercent)} / {Med(ok, m => m.ReceiverQemuPercent)} / {Med(ok, m => m.SwitchPercent)} | {Med(ok, m => m.FrameBytes)} |");
                }
            }
        }
        sb.AppendLine();
        sb.AppendLine("## Transfers");
        sb.AppendLine();
        sb.AppendLine("| round | scenario | device | data | MB/s | seconds | sender guest busy / user / sys / softirq % | receiver guest busy % | sender QEMU % | receiver QEMU % | vswitchd % | B/frame | foreign % | load | flag or error |");
        sb.AppendLine("|---:|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (GuestMeasurement m in Measurements)
        {
            sb.AppendLine(inv, $"| {m.Round} | {m.Scenario} | {m.Device} | {m.Data} | {F(m.MBps)} | {F(m.Seconds)} | {F0(m.SenderCpu.Busy)} / {F0(m.SenderCpu.User)} / {F0(m.SenderCpu.Sys)} / {F0(m.SenderCpu.Softirq)} | {F0(m.ReceiverBusyPercent)} | {F0(m.SenderQemuPercent)} | {F0(m.ReceiverQemuPercent)} | {F0(m.SwitchPercent)} | {F0(m.FrameBytes)} | {F(m.ForeignPercent)} | {m.Load1:F2} | {m.Error ?? m.Flag ?? ""} |");
        }
        sb.AppendLine();
        log.AppendSection(sb);
        return sb.ToString();
    }

    /// <summary>The options and every transfer as JSON.</summary>
    public string Json(string machine, DateTime started)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("mode", "guests");
            w.WriteString("started_utc", started.ToString("o", CultureInfo.InvariantCulture));
            w.WriteString("machine", machine);
            w.WriteStartObject("options");
            w.WriteNumber("rounds", options.Reps);
            w.WriteNumber("mib_per_transfer", options.GuestMiB);
            w.WriteString("guest_cpus", options.GuestCpus);
            w.WriteNumber("max_foreign_percent", options.MaxForeignPercent);
            w.WriteNumber("max_steal_percent", options.MaxStealPercent);
            w.WriteEndObject();
            w.WriteStartArray("measurements");
            foreach (GuestMeasurement m in Measurements)
            {
                w.WriteStartObject();
                w.WriteNumber("round", m.Round);
                w.WriteString("scenario", m.Scenario);
                w.WriteString("device", m.Device);
                w.WriteString("data", m.Data);
                w.WriteNumber("bytes", m.Bytes);
                Number(w, "seconds", m.Seconds);
                Number(w, "mb_per_s", m.MBps);
                Number(w, "sender_guest_busy_percent", m.SenderCpu.Busy);
                Number(w, "sender_guest_user_percent", m.SenderCpu.User);
                Number(w, "sender_guest_sys_percent", m.SenderCpu.Sys);
                Number(w, "sender_guest_softirq_percent", m.SenderCpu.Softirq);
                Number(w, "receiver_guest_busy_percent", m.ReceiverBusyPercent);
                Number(w, "sender_qemu_host_cpu_percent", m.SenderQemuPercent);
                Number(w, "receiver_qemu_host_cpu_percent", m.ReceiverQemuPercent);
                Number(w, "vswitchd_host_cpu_percent", m.SwitchPercent);
                Number(w, "bytes_per_frame_from_sender", m.FrameBytes);
                Number(w, "foreign_cpu_percent", m.ForeignPercent);
                Number(w, "load1", m.Load1);
                w.WriteBoolean("usable", m.Usable);
                if (m.Flag is not null)
                {
                    w.WriteString("flag", m.Flag);
                }
                if (m.Error is not null)
                {
                    w.WriteString("error", m.Error);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, Math.Round(value, 3));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F2", CultureInfo.InvariantCulture);

    private static string F0(double v) => double.IsNaN(v) ? "-" : v.ToString("F0", CultureInfo.InvariantCulture);

    private static string Med(List<GuestMeasurement> ok, Func<GuestMeasurement, double> f)
    {
        double[] v = [.. ok.Select(f).Where(double.IsFinite)];
        return v.Length == 0 ? "-" : Statistics.Median(v).ToString("F0", CultureInfo.InvariantCulture);
    }

    /// <summary>"median (min–max, n)" of this device's MB/s ÷ the reference's in the same round, scenario and data (both usable).</summary>
    private string Ratio(string scenario, string data, string device, string reference)
    {
        if (device == reference)
        {
            return "1";
        }
        var ratios = new List<double>();
        foreach (GuestMeasurement m in Measurements.Where(m => m.Scenario == scenario && m.Data == data && m.Device == device && m.Usable))
        {
            GuestMeasurement? other = Measurements.FirstOrDefault(o => o.Scenario == scenario && o.Data == data && o.Device == reference && o.Round == m.Round && o.Usable);
            if (other is not null && other.MBps > 0)
            {
                ratios.Add(m.MBps / other.MBps);
            }
        }
        return Statistics.Summarize(ratios) is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"**{s.Median:F2}** ({s.Min:F2}–{s.Max:F2}, {s.Count})")
            : "-";
    }
}

/// <summary>
/// vswitchd for the guest mode: its own DB and run directory, one datapath thread on CPU 0 (adaptive mode), NORMAL;
/// vhost-user ports (QEMU connects as the client) and a tap port. Ended by its PID and its directory removed on dispose.
/// </summary>
internal sealed class GuestSwitch : IDisposable
{
    private readonly string _runDir;
    private readonly string _ctl;
    private readonly CommandLog _log;
    private readonly ChildProcess _daemon;

    public GuestSwitch(CommandLog log, string daemonDll, string ctlDll)
    {
        _log = log;
        _ctl = ctlDll;
        Dir = Directory.CreateTempSubdirectory("vsbench-vsg").FullName;
        _runDir = Path.Combine(Dir, "run");
        _daemon = ChildProcess.Start(log, "dotnet",
            [daemonDll, "--db", Path.Combine(Dir, "conf.json"), "--run-dir", _runDir, "--pmd-threads", "1", "--pmd-cpus", "0"]);
        try
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    Ctl("show");
                    break;
                }
                catch (InvalidOperationException) when (clock.Elapsed < TimeSpan.FromSeconds(60) && !_daemon.HasExited)
                {
                    Thread.Sleep(200);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The switch's private directory (run directory, DB, received files).</summary>
    public string Dir { get; }

    public int Pid => _daemon.Pid;

    /// <summary>Adds a vhost-user port whose socket the switch listens on; returns the socket path.</summary>
    public string AddVhostUser(string name, string[] settings)
    {
        string socket = Path.Combine(Dir, name + ".sock");
        ChildProcess.Run(_log, "dotnet", [_ctl, "--run-dir", _runDir, "add-port", name, "vhostuser", "--socket", socket, .. settings]);
        return socket;
    }

    /// <summary>Adds a tap port on a fresh interface; returns the interface's name.</summary>
    public string AddTap(string name, string[] settings)
    {
        string ifName = HostCommand.UniqueName("vsbg");
        ChildProcess.Run(_log, "dotnet", [_ctl, "--run-dir", _runDir, "add-port", name, "tap", "--ifname", ifName, .. settings]);
        return ifName;
    }

    /// <summary>The port's receive counters (frames and bytes the switch received from it), or null when they cannot be read.</summary>
    public (long Packets, long Bytes)? RxCounters(string port)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(Ctl("port-stats", port, "--json"));
            JsonElement rx = doc.RootElement.GetProperty("ports")[0].GetProperty("rx");
            return (rx.GetProperty("packets").GetInt64(), rx.GetProperty("bytes").GetInt64());
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or KeyNotFoundException or IndexOutOfRangeException or TimeoutException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _daemon.Dispose();
        Cleanup.RemoveDirectory(Dir);
    }

    private string Ctl(params string[] args) => ChildProcess.Run(null, "dotnet", [_ctl, "--run-dir", _runDir, .. args], timeoutSeconds: 60);
}

/// <summary>
/// busybox nc listening in a namespace for one connection, writing what it brings to a file. Its stdin is a pipe held
/// open until it is disposed: busybox nc half-closes the connection when its stdin ends, and the sender then stops.
/// Ended by its PID on dispose.
/// </summary>
internal sealed class NsListener : IDisposable
{
    private readonly Process _process;
    private bool _disposed;

    private NsListener(Process process) => _process = process;

    public int Pid => _process.Id;

    public static NsListener Start(CommandLog log, NetNamespace ns, int port, string output)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])["netns", "exec", ns.Name, "sh", "-c", $"exec busybox nc -l -p {port} > '{output}'"])
        {
            psi.ArgumentList.Add(a);
        }
        log.Add("ip " + string.Join(' ', psi.ArgumentList));
        var listener = new NsListener(Process.Start(psi) ?? throw new InvalidOperationException("cannot start nc in " + ns.Name));
        var clock = Stopwatch.StartNew();
        // /proc/net/tcp and tcp6 lines: "sl local_address:PORT rem_address:0000 st ...", hex, st 0A = LISTEN; busybox
        // nc listens on a dual-stack IPv6 socket, which only tcp6 shows.
        var listening = new System.Text.RegularExpressions.Regex($@"^\s*\d+: [0-9A-F]+:{port:X4} [0-9A-F]+:0000 0A ", System.Text.RegularExpressions.RegexOptions.Multiline);
        while (!listening.IsMatch(ns.ReadSys("/proc/net/tcp")) && !listening.IsMatch(ns.ReadSys("/proc/net/tcp6")))
        {
            if (listener._process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                listener.Dispose();
                throw new InvalidOperationException($"nc did not listen on port {port} in {ns.Name}");
            }
            Thread.Sleep(50);
        }
        return listener;
    }

    /// <summary>Waits for nc to end after its connection closed.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
