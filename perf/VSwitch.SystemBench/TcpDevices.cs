using System.Diagnostics;
using System.Text.RegularExpressions;
using VSwitch.TestKit.Net;

namespace VSwitch.SystemBench;

/// <summary>
/// A switch between two network namespaces for the TCP mode: it provides two interfaces in the benchmark's own
/// namespace, which the runner moves into the two host namespaces. Owns its processes and interfaces; ends and
/// removes them on dispose.
/// </summary>
internal interface ITcpDevice : IDisposable
{
    /// <summary>The interface for host namespace 0 / 1 (in the benchmark's namespace until the runner moves it).</summary>
    (string If0, string If1) Interfaces { get; }

    /// <summary>The device's processes (their CPU time is reported as the device's), none for the kernel bridge.</summary>
    IEnumerable<int> Pids { get; }

    /// <summary>Waits until the device forwards (ports up) after the interfaces were moved and brought up.</summary>
    void WaitReady(TimeSpan timeout);

    /// <summary>Device facts after a window (e.g. super-frames counted by vswitchd's taps), or null.</summary>
    string? Notes();
}

/// <summary>
/// vswitchd with two tap ports (interfaces it creates), one datapath thread on CPU 1 (<c>--pmd-cpus 1</c>, adaptive
/// mode, as in the packet benchmark), NORMAL; offloads on (the default) or off.
/// </summary>
internal sealed class VswitchdTapDevice : ITcpDevice
{
    private readonly string _dir;
    private readonly string _runDir;
    private readonly string _ctl;
    private readonly ChildProcess _daemon;

    public VswitchdTapDevice(CommandLog log, string daemonDll, string ctlDll, bool offloads)
    {
        _ctl = ctlDll;
        _dir = Directory.CreateTempSubdirectory("vsbench-vst").FullName;
        _runDir = Path.Combine(_dir, "run");
        _daemon = ChildProcess.Start(log, "dotnet",
            [daemonDll, "--db", Path.Combine(_dir, "conf.json"), "--run-dir", _runDir, "--pmd-threads", "1", "--pmd-cpus", "1"]);
        try
        {
            WaitAnswers();
            Interfaces = (HostCommand.UniqueName("vsbt"), HostCommand.UniqueName("vsbt"));
            string[] extra = offloads ? [] : ["--offloads", "off"];
            ChildProcess.Run(log, "dotnet", [_ctl, "--run-dir", _runDir, "add-port", "t0", "tap", "--ifname", Interfaces.If0, .. extra]);
            ChildProcess.Run(log, "dotnet", [_ctl, "--run-dir", _runDir, "add-port", "t1", "tap", "--ifname", Interfaces.If1, .. extra]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public (string If0, string If1) Interfaces { get; }

    public IEnumerable<int> Pids => [_daemon.Pid];

    public void WaitReady(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (UpPorts() < 2)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("vswitchd tap ports did not come up: " + Ctl("show"));
            }
            Thread.Sleep(200);
        }
    }

    public string? Notes()
    {
        string t0 = Ctl("port-status", "t0"), t1 = Ctl("port-status", "t1");
        return $"offloads {Detail(t0, "offloads")}; super-frames t0 {Detail(t0, "super-frames")}, t1 {Detail(t1, "super-frames")}";
    }

    public void Dispose()
    {
        _daemon.Dispose();
        Cleanup.RemoveDirectory(_dir);
    }

    private static string Detail(string status, string key)
    {
        Match m = Regex.Match(status, "^  " + Regex.Escape(key) + ": (.*)$", RegexOptions.Multiline);
        return m.Success ? m.Groups[1].Value.Trim() : "?";
    }

    private int UpPorts()
    {
        using var show = System.Text.Json.JsonDocument.Parse(Ctl("show", "--json"));
        return show.RootElement.GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up");
    }

    private void WaitAnswers()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Ctl("show");
                return;
            }
            catch (InvalidOperationException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !_daemon.HasExited)
            {
                Thread.Sleep(200);
            }
        }
    }

    private string Ctl(params string[] args) => ChildProcess.Run(null, "dotnet", [_ctl, "--run-dir", _runDir, .. args], timeoutSeconds: 60);
}

/// <summary>
/// The Linux bridge anchor: a bridge in a namespace of its own and two veth pairs, one end of each on the bridge,
/// the other handed to a host namespace. Kernel defaults (veth: checksum offload, TSO and GRO as the kernel sets them).
/// Deleting the bridge's namespace removes the bridge and both pairs.
/// </summary>
internal sealed class LinuxBridgeDevice : ITcpDevice
{
    private readonly NetNamespace _bridgeNs;

    public LinuxBridgeDevice(CommandLog log)
    {
        _bridgeNs = new NetNamespace("vsbb");
        try
        {
            Ip(log, "-n", _bridgeNs.Name, "link", "add", "br0", "type", "bridge");
            Ip(log, "-n", _bridgeNs.Name, "link", "set", "br0", "up");
            string a = HostCommand.UniqueName("vsbv"), b = HostCommand.UniqueName("vsbv");
            foreach (string end in (string[])[a, b])
            {
                string peer = end + "p";
                Ip(log, "link", "add", end, "type", "veth", "peer", "name", peer, "netns", _bridgeNs.Name);
                Ip(log, "-n", _bridgeNs.Name, "link", "set", peer, "master", "br0", "up");
            }
            Interfaces = (a, b);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public (string If0, string If1) Interfaces { get; }

    public IEnumerable<int> Pids => [];

    public void WaitReady(TimeSpan timeout)
    {
    }

    public string? Notes() => null;

    public void Dispose() => _bridgeNs.Dispose();

    private static void Ip(CommandLog log, params string[] args) => ChildProcess.Run(log, "ip", args);
}

/// <summary>
/// OVS-DPDK 3.1 with two <c>type=tap</c> ports on its netdev bridge (NORMAL), <c>userspace-tso-enable=true</c> set
/// before ovs-vswitchd starts (its taps then enable TSO with the kernel) unless the constructor's <c>tso</c> is false.
/// OVS creates the taps; the runner moves them into the host namespaces (OVS keeps their fds).
/// </summary>
internal sealed class OvsTapDevice : ITcpDevice
{
    private readonly PrivateOvs _ovs;

    public OvsTapDevice(CommandLog log, string ovsVswitchd, bool tso)
    {
        _ovs = tso ? new PrivateOvs(log, ovsVswitchd, "vsbench-ovstcp", "userspace-tso-enable=true")
            : new PrivateOvs(log, ovsVswitchd, "vsbench-ovstcp");
        try
        {
            Interfaces = (HostCommand.UniqueName("vsbo"), HostCommand.UniqueName("vsbo"));
            _ovs.Vsctl("--timeout=60", "add-port", "br0", Interfaces.If0, "--", "set", "Interface", Interfaces.If0, "type=tap", "ofport_request=1");
            _ovs.Vsctl("--timeout=60", "add-port", "br0", Interfaces.If1, "--", "set", "Interface", Interfaces.If1, "type=tap", "ofport_request=2");
            _ovs.WaitFor(() => HostCommand.LinkExists(Interfaces.If0) && HostCommand.LinkExists(Interfaces.If1), "OVS to create its taps");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public (string If0, string If1) Interfaces { get; }

    public IEnumerable<int> Pids => _ovs.Pids;

    public void WaitReady(TimeSpan timeout)
    {
    }

    public string? Notes() => null;

    public void Dispose() => _ovs.Dispose();
}
