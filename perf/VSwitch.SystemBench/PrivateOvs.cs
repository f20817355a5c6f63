using System.Diagnostics;
using System.Globalization;

namespace VSwitch.SystemBench;

/// <summary>
/// A private OVS-DPDK (Debian's openvswitch-switch-dpdk build) started by hand: its own ovsdb (ovsdb-tool create +
/// ovsdb-server on a private socket, OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR inside a temporary directory), the given
/// <c>other_config</c> written before ovs-vswitchd starts (settings such as <c>userspace-tso-enable</c> are read only
/// then), DPDK with the main lcore on CPU 0, PMD threads on CPU 1 (<c>pmd-cpu-mask=0x2</c>), <c>--no-pci</c>, its own
/// <c>--file-prefix</c>, and a netdev bridge <c>br0</c>. Never touches a system OVS. Ends both processes by PID and
/// removes its files on dispose.
/// </summary>
internal sealed class PrivateOvs : IDisposable
{
    private static int s_counter;
    private readonly string _dir;
    private readonly string _prefix;
    private readonly CommandLog _log;
    private readonly Dictionary<string, string> _env;
    private readonly string _db;
    private readonly ChildProcess? _ovsdb;
    private readonly ChildProcess? _vswitchd;

    /// <param name="log">Where every command goes.</param>
    /// <param name="ovsVswitchd">The DPDK build of ovs-vswitchd.</param>
    /// <param name="tempPrefix">Prefix of the temporary directory.</param>
    /// <param name="extraConfig">More <c>other_config:KEY=VALUE</c> settings, written before ovs-vswitchd starts.</param>
    public PrivateOvs(CommandLog log, string ovsVswitchd, string tempPrefix, params string[] extraConfig)
    {
        _log = log;
        _dir = Directory.CreateTempSubdirectory(tempPrefix).FullName;
        _prefix = "vsbovs" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "x" + Interlocked.Increment(ref s_counter).ToString(CultureInfo.InvariantCulture);
        string run = Path.Combine(_dir, "run"), dbDir = Path.Combine(_dir, "db"), logDir = Path.Combine(_dir, "log");
        Directory.CreateDirectory(run);
        Directory.CreateDirectory(dbDir);
        Directory.CreateDirectory(logDir);
        _env = new() { ["OVS_RUNDIR"] = run, ["OVS_DBDIR"] = dbDir, ["OVS_LOGDIR"] = logDir };
        _db = "unix:" + Path.Combine(run, "db.sock");
        try
        {
            string dbFile = Path.Combine(dbDir, "conf.db");
            ChildProcess.Run(log, "ovsdb-tool", ["create", dbFile, "/usr/share/openvswitch/vswitch.ovsschema"], _env);
            _ovsdb = ChildProcess.Start(log, "ovsdb-server",
                [dbFile, "--remote=punix:" + Path.Combine(run, "db.sock"), "--pidfile=" + Path.Combine(run, "ovsdb-server.pid"),
                 "--unixctl=" + Path.Combine(run, "ovsdb-server.ctl"), "--log-file=" + Path.Combine(logDir, "ovsdb-server.log")], _env);
            WaitFor(() => File.Exists(Path.Combine(run, "db.sock")), "ovsdb-server socket");
            Vsctl("--no-wait", "init");
            Vsctl(["--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true", "other_config:dpdk-socket-mem=512",
                "other_config:dpdk-lcore-mask=0x1", "other_config:pmd-cpu-mask=0x2",
                $"other_config:dpdk-extra=--no-pci --file-prefix={_prefix} --huge-unlink",
                .. extraConfig.Select(c => "other_config:" + c)]);
            _vswitchd = ChildProcess.Start(log, ovsVswitchd,
                [_db, "--pidfile=" + Path.Combine(run, "ovs-vswitchd.pid"), "--unixctl=" + Path.Combine(run, "ovs-vswitchd.ctl"),
                 "--log-file=" + Path.Combine(logDir, "ovs-vswitchd.log")], _env);
            Vsctl("--timeout=60", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The temporary directory (sockets may be put here).</summary>
    public string TempDirectory => _dir;

    /// <summary>ovs-vswitchd and ovsdb-server.</summary>
    public IEnumerable<int> Pids => new[] { _vswitchd?.Pid, _ovsdb?.Pid }.OfType<int>();

    /// <summary>The process id of ovs-vswitchd.</summary>
    public int VswitchdPid => _vswitchd?.Pid ?? 0;

    /// <summary>What ovs-vswitchd printed so far.</summary>
    public string Output => _vswitchd?.Output ?? "";

    /// <summary>Runs ovs-vsctl against this instance's database; throws on failure.</summary>
    public string Vsctl(params string[] args) => ChildProcess.Run(_log, "ovs-vsctl", ["--db=" + _db, .. args], _env, timeoutSeconds: 90);

    /// <summary>Runs ovs-vsctl without logging the command (polls).</summary>
    public string VsctlQuiet(params string[] args) => ChildProcess.Run(null, "ovs-vsctl", ["--db=" + _db, .. args], _env);

    /// <summary>Runs ovs-ofctl against this instance's bridges; throws on failure.</summary>
    public string Ofctl(params string[] args) => ChildProcess.Run(_log, "ovs-ofctl", args, _env, timeoutSeconds: 90);

    /// <summary>Polls <paramref name="condition"/> every 200 ms; throws when OVS exits or <paramref name="timeout"/> (30 s) passes.</summary>
    public void WaitFor(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_vswitchd is { HasExited: true } || _ovsdb is { HasExited: true })
            {
                throw new InvalidOperationException($"OVS exited while waiting for {what}: {_ovsdb?.Output}{_vswitchd?.Output}");
            }
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"timed out waiting for {what}: {_vswitchd?.Output}");
            }
            Thread.Sleep(200);
        }
    }

    public void Dispose()
    {
        // ovs-vswitchd first: it is the DPDK process and a client of ovsdb-server.
        _vswitchd?.Dispose();
        _ovsdb?.Dispose();
        Cleanup.RemoveDpdkFiles(_prefix);
        Cleanup.RemoveDirectory(_dir);
    }
}
