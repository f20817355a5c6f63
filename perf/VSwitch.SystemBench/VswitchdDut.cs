using System.Diagnostics;
using System.Text.Json;

namespace VSwitch.SystemBench;

/// <summary>
/// vswitchd as the switch: its own DB and run directory, one datapath thread pinned to CPU 1, two vhost-user ports
/// in the chosen socket mode, and NORMAL, in_port flows or the rule table. Reports the datapath thread's allocated
/// bytes and the process's GCs over the window from <c>pmd-stats</c>.
/// </summary>
internal sealed class VswitchdDut : IDeviceUnderTest
{
    private readonly string _dir;
    private readonly string _runDir;
    private readonly string _ctl;
    private readonly CommandLog _log;
    private readonly ChildProcess _daemon;
    private ChildProcess? _capture;

    public VswitchdDut(CommandLog log, string daemonDll, string ctlDll, DutConfig config, string? rulesFile)
    {
        _log = log;
        _ctl = ctlDll;
        _dir = Directory.CreateTempSubdirectory("vsbench-vs").FullName;
        _runDir = Path.Combine(_dir, "run");
        Socket0 = Path.Combine(_dir, "vm0.sock");
        Socket1 = Path.Combine(_dir, "vm1.sock");
        GeneratorListens = config.Socket == "vhostuserclient";
        _daemon = ChildProcess.Start(log, "dotnet",
            [daemonDll, "--db", Path.Combine(_dir, "conf.json"), "--run-dir", _runDir, "--pmd-threads", "1", "--pmd-cpus", "1",
                "--pmd-perf-metrics"]);
        try
        {
            WaitAnswers();
            Ctl(true, "add-port", "vm0", config.Socket, "--socket", Socket0);
            Ctl(true, "add-port", "vm1", config.Socket, "--socket", Socket1);
            if (config.Mode == "inport")
            {
                (int a, int b) = OfPorts();
                Ctl(true, "del-flows");
                Ctl(true, "add-flow", $"priority=10,in_port={a},actions=output:{b}");
                Ctl(true, "add-flow", $"priority=10,in_port={b},actions=output:{a}");
            }
            if (rulesFile is not null)
            {
                if (OfPorts() != (1, 2))
                {
                    throw new InvalidOperationException($"the rule table is written for ports 1 and 2; vswitchd numbered them {OfPorts()}");
                }
                Ctl(true, "add-flows", rulesFile);
            }
            if (config.Capture)
            {
                // Written to /dev/null: the switch's side of a capture (copy into the ring, the writer thread's pcapng
                // encoding) is what costs forwarding time; the file system would only add noise.
                _capture = ChildProcess.Start(log, "dotnet",
                    [ctlDll, "--run-dir", _runDir, "capture", "vm0", "vm1", "--snaplen", "128", "-w", "/dev/null"]);
                WaitCaptureListed();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Socket0 { get; }

    /// <summary>The vswitchd process id.</summary>
    public int Pid => _daemon.Pid;

    public string Socket1 { get; }

    public bool GeneratorListens { get; }

    public IEnumerable<int> Pids => _capture is null ? [_daemon.Pid] : [_daemon.Pid, _capture.Pid];

    public void WaitReady(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using JsonDocument show = JsonDocument.Parse(Ctl(false, "show", "--json"));
            if (show.RootElement.GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up") == 2)
            {
                return;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("vswitchd ports did not come up: " + Ctl(false, "show"));
            }
            Thread.Sleep(200);
        }
    }

    public void OpenWindow() => Ctl(false, "pmd-stats-clear");

    public (long Bytes, int Gen0, int Gen1, int Gen2, long Sleeps)? AllocationSinceOpen()
    {
        using JsonDocument stats = JsonDocument.Parse(Ctl(false, "pmd-stats", "--json"));
        JsonElement t = stats.RootElement.GetProperty("threads")[0];
        return (t.GetProperty("allocated_bytes").GetInt64(), t.GetProperty("gc_gen0").GetInt32(),
            t.GetProperty("gc_gen1").GetInt32(), t.GetProperty("gc_gen2").GetInt32(), t.GetProperty("sleeps").GetInt64());
    }

    /// <summary>
    /// ns/packet per datapath stage (receive, pipeline, transmit, receive completion) over the batches vswitchd timed
    /// since <see cref="OpenWindow"/> (one in 64, --pmd-perf-metrics), or null when none was timed.
    /// </summary>
    public StageTimes? StagesSinceOpen()
    {
        using JsonDocument stats = JsonDocument.Parse(Ctl(false, "pmd-stats", "--json"));
        if (!stats.RootElement.GetProperty("threads")[0].TryGetProperty("stages", out JsonElement s) || s.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return new StageTimes(s.GetProperty("sampled_batches").GetInt64(), s.GetProperty("rx_ns_per_packet").GetDouble(),
            s.GetProperty("pipeline_ns_per_packet").GetDouble(), s.GetProperty("tx_ns_per_packet").GetDouble(),
            s.GetProperty("complete_ns_per_packet").GetDouble());
    }

    public long? RuleHits()
    {
        using JsonDocument flows = JsonDocument.Parse(Ctl(false, "dump-flows", "--json"));
        return flows.RootElement.GetProperty("flows").EnumerateArray()
            .Where(f => f.GetProperty("priority").GetInt32() == 100)
            .Sum(f => f.GetProperty("packets").GetInt64());
    }

    public void Dispose()
    {
        _capture?.Dispose();
        _daemon.Dispose();
        Cleanup.RemoveDirectory(_dir);
    }

    private void WaitCaptureListed()
    {
        var clock = Stopwatch.StartNew();
        while (!Ctl(false, "capture-list", "--json").Contains("vm0", StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30) || _capture!.HasExited)
            {
                throw new InvalidOperationException("the capture did not start: " + _capture!.Output);
            }
            Thread.Sleep(100);
        }
    }

    private void WaitAnswers()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Ctl(false, "show");
                return;
            }
            catch (InvalidOperationException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !_daemon.HasExited)
            {
                Thread.Sleep(200);
            }
        }
    }

    private (int, int) OfPorts()
    {
        using JsonDocument show = JsonDocument.Parse(Ctl(false, "show", "--json"));
        var ports = show.RootElement.GetProperty("ports").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("ofport").GetInt32());
        return (ports["vm0"], ports["vm1"]);
    }

    private string Ctl(bool record, params string[] args) =>
        ChildProcess.Run(record ? _log : null, "dotnet", [_ctl, "--run-dir", _runDir, .. args], timeoutSeconds: 60);
}
