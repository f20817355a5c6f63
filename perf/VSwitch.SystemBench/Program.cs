using System.Globalization;
using System.Runtime.InteropServices;
using VSwitch.SystemBench;

// The system benchmark: see perf/README.md. Exit codes: 0 done (smoke: passed), 1 smoke check failed or nothing
// could be measured, 2 bad options or missing prerequisites, 3 machine busy (without --allow-busy).
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
BenchOptions? options = BenchOptions.Parse(args, Console.Error);
if (options is null)
{
    return 2;
}
if (options.C2cOnly)
{
    for (int i = 0; i < 5; i++)
    {
        Thread.Sleep(i == 0 ? 0 : 1000);
        double ns = C2cProbe.Measure(0, 1, options.C2cRoundTrips, TimeSpan.FromSeconds(5));
        Console.WriteLine(double.IsNaN(ns)
            ? "c2c CPU 0 <-> CPU 1: no figure (a thread could not be pinned, or the probe timed out)"
            : string.Create(CultureInfo.InvariantCulture, $"c2c CPU 0 <-> CPU 1: {ns:F0} ns per round trip ({(ns < options.C2cThresholdNs ? "near" : "far")})"));
    }
    return 0;
}
string repo = FindRepo();
string daemon = options.VswitchdDll ?? Build(repo, "switch/VSwitch.Daemon", "vswitchd.dll");
string ctl = options.VswitchctlDll ?? Build(repo, "cli/VSwitch.Cli", "vswitchctl.dll");
if (options.Tcp)
{
    return RunTcp(options, repo, daemon, ctl, args);
}
if (options.Guests)
{
    return RunGuests(options, repo, daemon, ctl, args);
}
List<string> missing = [];
if (VSwitch.TestKit.TestPmd.ExecutablePath is null)
{
    missing.Add("dpdk-testpmd (apt-get install dpdk-dev)");
}
if (!VSwitch.TestKit.TestPmd.HugepagesReady())
{
    missing.Add("free hugepages on a mounted hugetlbfs (scripts/setup.sh)");
}
if (options.Duts.Contains("ovs") && !File.Exists(options.OvsVswitchd))
{
    missing.Add(options.OvsVswitchd + " (apt-get install openvswitch-switch-dpdk)");
}
if (options.Duts.Contains("vswitchd") && !(File.Exists(daemon) && File.Exists(ctl)))
{
    missing.Add($"{daemon} and {ctl} (dotnet build -c Release)");
}
if (!Ready(missing, options.AllowBusy || options.Smoke, out string machine, out int refused))
{
    return refused;
}

DateTime started = DateTime.UtcNow;
var log = new CommandLog(repo);
var runner = new BenchRunner(options, log, daemon, ctl, Console.Out);
RunStoppable(runner.Run, runner.RequestStop, "stopping after the current measurement (its processes and files are cleaned up)");

string table = Report.Table(runner);
Console.WriteLine();
Console.Write(table);
if (options.JsonPath is not null)
{
    File.WriteAllText(options.JsonPath, Report.Json(runner, options));
}
if (options.Smoke)
{
    Measurement? m = runner.Measurements.SingleOrDefault();
    bool ok = m is { Error: null, RxPort0: > 0, RxPort1: > 0, AllocatedBytes: 0 };
    Console.WriteLine(ok ? "smoke: PASS" : "smoke: FAIL " + (m?.Error ?? (m is null ? "no measurement" : $"rx {m.RxPort0}/{m.RxPort1}, datapath allocated {m.AllocatedBytes} B")));
    return ok ? 0 : 1;
}
string outDir = options.OutDir ?? Path.Combine(repo, "perf", "results");
Directory.CreateDirectory(outDir);
string file = Path.Combine(outDir, "system-bench-" + started.ToString("yyyy-MM-dd-HHmm", CultureInfo.InvariantCulture) + ".md");
File.WriteAllText(file, Report.File(runner, options, log, machine, args, started));
Console.WriteLine("results: " + file);
return runner.Measurements.Any(m => m.Error is null) ? 0 : 1;

// The TCP mode: see TcpBench and perf/README.md.
static int RunTcp(BenchOptions options, string repo, string daemon, string ctl, string[] args)
{
    List<string> missing = [];
    if (VSwitch.TestKit.Prerequisite.FindOnPath("iperf3") is null)
    {
        missing.Add("iperf3 (apt-get install iperf3)");
    }
    if (options.TcpDevices.Contains("ovs-tso") && !File.Exists(options.OvsVswitchd))
    {
        missing.Add(options.OvsVswitchd + " (apt-get install openvswitch-switch-dpdk)");
    }
    if (options.TcpDevices.Any(d => d.StartsWith("vswitchd", StringComparison.Ordinal)) && !(File.Exists(daemon) && File.Exists(ctl)))
    {
        missing.Add($"{daemon} and {ctl} (dotnet build -c Release)");
    }
    if (!Ready(missing, options.AllowBusy || options.Smoke, out string machine, out int refused))
    {
        return refused;
    }
    DateTime started = DateTime.UtcNow;
    var bench = new TcpBench(options, new CommandLog(repo), daemon, ctl, Console.Out);
    RunStoppable(bench.Run, bench.RequestStop, "stopping after the current window (its processes and namespaces are cleaned up)");
    if (options.Smoke)
    {
        // Whether TCP crossed, not how fast: a busy machine's flags do not fail it; no results file.
        bool ok = bench.Measurements.Count > 0 && bench.Measurements.All(m => m is { Error: null, Gbps: > 0 });
        Console.Write(bench.Report(machine, args, started));
        Console.WriteLine(ok ? "smoke: PASS" : "smoke: FAIL " + string.Join("; ", bench.Measurements.Select(m => $"{m.Device}: {m.Error ?? m.Gbps.ToString(CultureInfo.InvariantCulture) + " Gbit/s"}")));
        return ok ? 0 : 1;
    }
    string file = WriteReport(bench.Report(machine, args, started), options, repo, "system-bench-tcp-", started);
    return bench.Measurements.Any(m => m.Error is null) ? 0 : 1;
}

// The guest mode: see GuestBench and perf/README.md.
static int RunGuests(BenchOptions options, string repo, string daemon, string ctl, string[] args)
{
    List<string> missing = [];
    if (VSwitch.TestKit.Guests.GuestKit.QemuPath is null)
    {
        missing.Add("qemu-system-x86_64 (tests/guests/build.sh installs it)");
    }
    if (!(File.Exists(daemon) && File.Exists(ctl)))
    {
        missing.Add($"{daemon} and {ctl} (dotnet build -c Release)");
    }
    if (options.GuestDevices.Contains("before") && !File.Exists(options.BeforeVswitchdDll))
    {
        missing.Add(options.BeforeVswitchdDll + " (the build before offloads)");
    }
    if (!Ready(missing, options.AllowBusy, out string machine, out int refused))
    {
        return refused;
    }
    DateTime started = DateTime.UtcNow;
    var bench = new GuestBench(options, new CommandLog(repo), daemon, ctl, Console.Out);
    RunStoppable(bench.Run, bench.RequestStop, "stopping after the current run (its guests, switch and namespace are cleaned up)");
    string file = WriteReport(bench.Report(machine, args, started), options, repo, "system-bench-guests-", started);
    File.WriteAllText(options.JsonPath ?? Path.ChangeExtension(file, ".json"), bench.Json(machine, started));
    return bench.Measurements.Any(m => m.Error is null) ? 0 : 1;
}

// Every mode: refuses with exit code 2 when a prerequisite is missing, and with 3 on a busy machine unless allowed
// (then the machine line says BUSY); else prints the machine line and returns it.
static bool Ready(List<string> missing, bool allowBusy, out string machine, out int refused)
{
    machine = "";
    if (missing.Count > 0)
    {
        Console.Error.WriteLine("missing: " + string.Join("; ", missing));
        refused = 2;
        return false;
    }
    (bool busy, machine) = MachineCheck.Check();
    Console.WriteLine("machine: " + machine);
    refused = 0;
    if (busy)
    {
        Console.Error.WriteLine("******** WARNING: the machine is busy; figures will be low and noisy ********");
        if (!allowBusy)
        {
            Console.Error.WriteLine("refusing to run (pass --allow-busy to run anyway)");
            refused = 3;
            return false;
        }
        machine = "BUSY: " + machine;
    }
    return true;
}

// Runs a mode; SIGINT or SIGTERM asks it to stop after its current step (which cleans up after itself).
static void RunStoppable(Action run, Action requestStop, string stopping)
{
    void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        Console.Error.WriteLine(stopping);
        requestStop();
    }
    using (PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop))
    using (PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop))
    {
        run();
    }
}

// Prints a mode's report and writes it to the results directory as PREFIX<date>.md; returns the file.
static string WriteReport(string report, BenchOptions options, string repo, string prefix, DateTime started)
{
    Console.WriteLine();
    Console.Write(report);
    string outDir = options.OutDir ?? Path.Combine(repo, "perf", "results");
    Directory.CreateDirectory(outDir);
    string file = Path.Combine(outDir, prefix + started.ToString("yyyy-MM-dd-HHmm", CultureInfo.InvariantCulture) + ".md");
    File.WriteAllText(file, report);
    Console.WriteLine("results: " + file);
    return file;
}

// The repository holding this program (VSwitch.sln above its output directory), else the current directory.
static string FindRepo()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "VSwitch.sln")))
        {
            return d.FullName;
        }
    }
    return Directory.GetCurrentDirectory();
}

// The Release build of a program of the repository, else its Debug build.
static string Build(string repo, string project, string dll)
{
    string release = Path.Combine(repo, project, "bin", "Release", "net10.0", dll);
    string debug = Path.Combine(repo, project, "bin", "Debug", "net10.0", dll);
    return File.Exists(release) || !File.Exists(debug) ? release : debug;
}
