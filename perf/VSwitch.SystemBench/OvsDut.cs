using System.Diagnostics;
using System.Globalization;

namespace VSwitch.SystemBench;

/// <summary>
/// OVS-DPDK (Debian's openvswitch-switch-dpdk build) as the switch, started by hand in a private directory: its own
/// ovsdb (ovsdb-tool create + ovsdb-server on a private socket, OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR pointing inside), a
/// netdev bridge, two dpdkvhostuserclient ports (the generator's virtio-user ports listen), the PMD thread on CPU 1
/// (<c>pmd-cpu-mask=0x2</c>), the DPDK main lcore on CPU 0, <c>--no-pci</c>, its own <c>--file-prefix</c>.
/// Never touches a system OVS.
/// </summary>
internal sealed class OvsDut : IDeviceUnderTest
{
    private static int s_counter;
    private readonly string _dir;
    private readonly string _prefix;
    private readonly CommandLog _log;
    private readonly Dictionary<string, string> _env;
    private readonly string _db;
    private readonly ChildProcess? _ovsdb;
    private readonly ChildProcess? _vswitchd;

    public OvsDut(CommandLog log, string ovsVswitchd, DutConfig config, string? rulesFile)
    {
        _log = log;
        _dir = Directory.CreateTempSubdirectory("vsbench-ovs").FullName;
        _prefix = "vsbovs" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "x" + Interlocked.Increment(ref s_counter).ToString(CultureInfo.InvariantCulture);
        string run = Path.Combine(_dir, "run"), dbDir = Path.Combine(_dir, "db"), logDir = Path.Combine(_dir, "log");
        Directory.CreateDirectory(run);
        Directory.CreateDirectory(dbDir);
        Directory.CreateDirectory(logDir);
        _env = new() { ["OVS_RUNDIR"] = run, ["OVS_DBDIR"] = dbDir, ["OVS_LOGDIR"] = logDir };
        _db = "unix:" + Path.Combine(run, "db.sock");
        Socket0 = Path.Combine(_dir, "gen0.sock");
        Socket1 = Path.Combine(_dir, "gen1.sock");
        try
        {
            string dbFile = Path.Combine(dbDir, "conf.db");
            ChildProcess.Run(log, "ovsdb-tool", ["create", dbFile, "/usr/share/openvswitch/vswitch.ovsschema"], _env);
            _ovsdb = ChildProcess.Start(log, "ovsdb-server",
                [dbFile, "--remote=punix:" + Path.Combine(run, "db.sock"), "--pidfile=" + Path.Combine(run, "ovsdb-server.pid"),
                 "--unixctl=" + Path.Combine(run, "ovsdb-server.ctl"), "--log-file=" + Path.Combine(logDir, "ovsdb-server.log")], _env);
            WaitFor(() => File.Exists(Path.Combine(run, "db.sock")), "ovsdb-server socket");
            Vsctl("--no-wait", "init");
            Vsctl("--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true", "other_config:dpdk-socket-mem=512",
                "other_config:dpdk-lcore-mask=0x1", "other_config:pmd-cpu-mask=0x2",
                $"other_config:dpdk-extra=--no-pci --file-prefix={_prefix} --huge-unlink");
            _vswitchd = ChildProcess.Start(log, ovsVswitchd,
                [_db, "--pidfile=" + Path.Combine(run, "ovs-vswitchd.pid"), "--unixctl=" + Path.Combine(run, "ovs-vswitchd.ctl"),
                 "--log-file=" + Path.Combine(logDir, "ovs-vswitchd.log")], _env);
            Vsctl("--timeout=60", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev");
            Vsctl("--timeout=60", "add-port", "br0", "vhu0", "--", "set", "Interface", "vhu0", "type=dpdkvhostuserclient",
                "options:vhost-server-path=" + Socket0, "ofport_request=1");
            Vsctl("--timeout=60", "add-port", "br0", "vhu1", "--", "set", "Interface", "vhu1", "type=dpdkvhostuserclient",
                "options:vhost-server-path=" + Socket1, "ofport_request=2");
            if (config.Mode == "inport")
            {
                Ofctl("del-flows", "br0");
                Ofctl("add-flow", "br0", "priority=10,in_port=1,actions=output:2");
                Ofctl("add-flow", "br0", "priority=10,in_port=2,actions=output:1");
            }
            if (rulesFile is not null)
            {
                Ofctl("add-flows", "br0", rulesFile);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Socket0 { get; }

    public string Socket1 { get; }

    public bool GeneratorListens => true;

    public IEnumerable<int> Pids => new[] { _vswitchd?.Pid, _ovsdb?.Pid }.OfType<int>();

    public void WaitReady(TimeSpan timeout) =>
        WaitFor(() => LinkState("vhu0") == "up" && LinkState("vhu1") == "up", "OVS vhost-user links", timeout);

    public void OpenWindow()
    {
    }

    public (long Bytes, int Gen0, int Gen1, int Gen2, long Sleeps)? AllocationSinceOpen() => null;

    public long? RuleHits() => null;

    public void Dispose()
    {
        // ovs-vswitchd first: it is the DPDK process and a client of ovsdb-server.
        _vswitchd?.Dispose();
        _ovsdb?.Dispose();
        Cleanup.RemoveDpdkFiles(_prefix);
        Cleanup.RemoveDirectory(_dir);
    }

    private string LinkState(string port) => ChildProcess.Run(null, "ovs-vsctl", ["--db=" + _db, "get", "Interface", port, "link_state"], _env).Trim();

    private void Vsctl(params string[] args) => ChildProcess.Run(_log, "ovs-vsctl", ["--db=" + _db, .. args], _env, timeoutSeconds: 90);

    private void Ofctl(params string[] args) => ChildProcess.Run(_log, "ovs-ofctl", args, _env, timeoutSeconds: 90);

    private void WaitFor(Func<bool> condition, string what, TimeSpan? timeout = null)
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
}
