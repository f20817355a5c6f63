using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VSwitch.TestKit.Net;

namespace VSwitch.SystemBench;

/// <summary>
/// Two "hosts" for the VXLAN devices of the TCP mode: network namespaces joined by a veth link (the underlay, MTU 1500,
/// addresses <see cref="UnderlayA"/> and <see cref="UnderlayB"/>), IPv6 off. Deleting the namespaces removes the link and
/// whatever the devices built in them.
/// </summary>
internal sealed class VxlanHosts : IDisposable
{
    public const string UnderlayA = "192.168.93.1", UnderlayB = "192.168.93.2";

    /// <summary>The VNI both devices use.</summary>
    public const string Vni = "4242";

    public VxlanHosts(CommandLog log, string prefix)
    {
        A = new NetNamespace(prefix);
        try
        {
            B = new NetNamespace(prefix);
            foreach (NetNamespace ns in (NetNamespace[])[A, B])
            {
                ChildProcess.Run(log, "ip", ["netns", "exec", ns.Name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
            }
            ChildProcess.Run(log, "ip", ["link", "add", "ul", "netns", A.Name, "mtu", "1500", "type", "veth", "peer", "name", "ul", "netns", B.Name, "mtu", "1500"]);
            ChildProcess.Run(log, "ip", ["-n", A.Name, "addr", "add", UnderlayA + "/24", "dev", "ul"]);
            ChildProcess.Run(log, "ip", ["-n", B.Name, "addr", "add", UnderlayB + "/24", "dev", "ul"]);
            ChildProcess.Run(log, "ip", ["-n", A.Name, "link", "set", "ul", "up"]);
            ChildProcess.Run(log, "ip", ["-n", B.Name, "link", "set", "ul", "up"]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetNamespace A { get; }

    public NetNamespace B { get; } = null!;

    /// <summary>The underlay veth's offload flags that matter for UDP tunnels, as ethtool -k shows them in host A.</summary>
    public string UnderlayOffloads() => EthtoolFeatures(A, "ul", "tx-checksumming", "tx-udp-segmentation", "rx-gro-list", "rx-udp-gro-forwarding");

    /// <summary>"name on/off" for each of <paramref name="features"/> of <paramref name="ifName"/> in <paramref name="ns"/>.</summary>
    public static string EthtoolFeatures(NetNamespace ns, string ifName, params string[] features)
    {
        (int code, string stdout, _) = ns.Exec(10_000, "ethtool", "-k", ifName);
        if (code != 0)
        {
            return "ethtool -k failed";
        }
        return string.Join(", ", features.Select(f =>
        {
            Match m = Regex.Match(stdout, "^" + Regex.Escape(f) + ": (\\w+)", RegexOptions.Multiline);
            return f + " " + (m.Success ? m.Groups[1].Value : "?");
        }));
    }

    public void Dispose()
    {
        B?.Dispose();
        A.Dispose();
    }
}

/// <summary>
/// vswitchd across a VXLAN tunnel: a vswitchd in each host namespace (one datapath thread, host A's on CPU 0, host B's on
/// CPU 1, adaptive mode), each with a tap port (overlay MTU 1450, offloads on) and a vxlan port to the other host (VNI
/// <see cref="VxlanHosts.Vni"/>, UDP 4789, default MTU, which is the route's 1500 less 50). The taps are created in the
/// hosts and handed to the benchmark's namespace, from which the runner moves them into the endpoint namespaces.
/// </summary>
internal sealed class VswitchdVxlanDevice : ITcpDevice
{
    private readonly VxlanHosts _hosts;
    private readonly List<(ChildProcess Daemon, string Dir, string RunDir)> _daemons = [];
    private readonly string _ctl;
    private readonly Stopwatch _sinceReady = new();
    private double[] _cpuAtReady = [];

    public VswitchdVxlanDevice(CommandLog log, string daemonDll, string ctlDll)
    {
        _ctl = ctlDll;
        _hosts = new VxlanHosts(log, "vsbx");
        try
        {
            Interfaces = (HostCommand.UniqueName("vsbx"), HostCommand.UniqueName("vsbx"));
            Host(log, daemonDll, _hosts.A, "0", Interfaces.If0, VxlanHosts.UnderlayA, VxlanHosts.UnderlayB);
            Host(log, daemonDll, _hosts.B, "1", Interfaces.If1, VxlanHosts.UnderlayB, VxlanHosts.UnderlayA);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public (string If0, string If1) Interfaces { get; }

    public IEnumerable<int> Pids => [.. _daemons.Select(d => d.Daemon.Pid)];

    public void WaitReady(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        foreach ((_, _, string runDir) in _daemons)
        {
            while (UpPorts(runDir) < 2)
            {
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException("vswitchd tap and vxlan ports did not come up: " + Ctl(runDir, "show"));
                }
                Thread.Sleep(200);
            }
        }
        _cpuAtReady = [.. _daemons.Select(d => MachineCheck.CpuSeconds(d.Daemon.Pid))];
        _sinceReady.Restart();
    }

    public string? Notes()
    {
        // Which side is the bottleneck: each daemon's CPU from ready to now (the window and the setup around it).
        double seconds = _sinceReady.Elapsed.TotalSeconds;
        string cpu = string.Create(CultureInfo.InvariantCulture,
            $"CPU since ready ({seconds:F0} s): sender A {MachineCheck.CpuSeconds(_daemons[0].Daemon.Pid) - _cpuAtReady[0]:F1} s, receiver B {MachineCheck.CpuSeconds(_daemons[1].Daemon.Pid) - _cpuAtReady[1]:F1} s");
        string tapA = Ctl(_daemons[0].RunDir, "port-status", "ep"), tapB = Ctl(_daemons[1].RunDir, "port-status", "ep");
        string vxA = Ctl(_daemons[0].RunDir, "port-status", "vx"), vxB = Ctl(_daemons[1].RunDir, "port-status", "vx");
        return $"taps: offloads {Detail(tapA, "offloads")}, super-frames A {Detail(tapA, "super-frames")}, B {Detail(tapB, "super-frames")}; "
            + $"vxlan A: overlay mtu {Detail(vxA, "overlay mtu")}, tx segmentation {Detail(vxA, "segmentation offload (tx)")}, rx coalescing {Detail(vxB, "receive coalescing (rx)")}, "
            + $"inner TCP coalescing B {Detail(vxB, "inner TCP coalescing (rx)")} ({Detail(vxB, "super-frames built (rx)")} super-frames of {Detail(vxB, "segments coalesced (rx)")} segments); "
            + $"{cpu}; underlay: {_hosts.UnderlayOffloads()}";
    }

    public void Dispose()
    {
        // Daemons first (by PID): their taps vanish with them, before the namespaces go.
        foreach ((ChildProcess daemon, string dir, _) in _daemons)
        {
            daemon.Dispose();
            Cleanup.RemoveDirectory(dir);
        }
        _hosts.Dispose();
    }

    private void Host(CommandLog log, string daemonDll, NetNamespace host, string cpu, string tap, string local, string remote)
    {
        string dir = Directory.CreateTempSubdirectory("vsbench-vsx").FullName;
        string runDir = Path.Combine(dir, "run");
        ChildProcess daemon;
        try
        {
            daemon = ChildProcess.Start(log, "ip",
                ["netns", "exec", host.Name, "dotnet", daemonDll, "--db", Path.Combine(dir, "conf.json"), "--run-dir", runDir,
                 "--pmd-threads", "1", "--pmd-cpus", cpu]);
        }
        catch
        {
            Cleanup.RemoveDirectory(dir);
            throw;
        }
        _daemons.Add((daemon, dir, runDir));
        WaitAnswers(daemon, runDir);
        ChildProcess.Run(log, "dotnet", [_ctl, "--run-dir", runDir, "add-port", "ep", "tap", "--ifname", tap, "--mtu", "1450"]);
        ChildProcess.Run(log, "dotnet", [_ctl, "--run-dir", runDir, "add-port", "vx", "vxlan", "--remote-ip", remote, "--local-ip", local, "--key", VxlanHosts.Vni]);
        // The runner adopts interfaces from the benchmark's own namespace.
        ChildProcess.Run(log, "ip", ["-n", host.Name, "link", "set", tap, "netns", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]);
    }

    private static string Detail(string status, string key)
    {
        Match m = Regex.Match(status, "^  " + Regex.Escape(key) + ": (.*)$", RegexOptions.Multiline);
        return m.Success ? m.Groups[1].Value.Trim() : "?";
    }

    private int UpPorts(string runDir)
    {
        using var show = System.Text.Json.JsonDocument.Parse(Ctl(runDir, "show", "--json"));
        return show.RootElement.GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up");
    }

    private void WaitAnswers(ChildProcess daemon, string runDir)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Ctl(runDir, "show");
                return;
            }
            catch (InvalidOperationException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !daemon.HasExited)
            {
                Thread.Sleep(200);
            }
        }
    }

    private string Ctl(string runDir, params string[] args) => ChildProcess.Run(null, "dotnet", [_ctl, "--run-dir", runDir, .. args], timeoutSeconds: 60);
}

/// <summary>
/// The Linux kernel across a VXLAN tunnel, the anchor for <see cref="VswitchdVxlanDevice"/>: in each host namespace a
/// bridge <c>br0</c> with a <c>vxlan</c> device to the other host (same VNI, UDP 4789, MTU 1450 as the kernel derives
/// it) and one end of a veth pair whose other end (MTU 1450) the runner moves into the endpoint namespace. Kernel
/// defaults for every offload.
/// </summary>
internal sealed class KernelVxlanDevice : ITcpDevice
{
    private readonly VxlanHosts _hosts;

    public KernelVxlanDevice(CommandLog log)
    {
        _hosts = new VxlanHosts(log, "vsbk");
        try
        {
            Interfaces = (HostCommand.UniqueName("vsbk"), HostCommand.UniqueName("vsbk"));
            Host(log, _hosts.A, Interfaces.If0, VxlanHosts.UnderlayA, VxlanHosts.UnderlayB);
            Host(log, _hosts.B, Interfaces.If1, VxlanHosts.UnderlayB, VxlanHosts.UnderlayA);
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

    public string? Notes() =>
        $"vxlan A: mtu {_hosts.A.ReadSys("/sys/class/net/vx0/mtu")}, {VxlanHosts.EthtoolFeatures(_hosts.A, "vx0", "tx-checksumming", "tcp-segmentation-offload", "generic-segmentation-offload")}; "
        + $"underlay: {_hosts.UnderlayOffloads()}, tx-udp_tnl-segmentation {VxlanHosts.EthtoolFeatures(_hosts.A, "ul", "tx-udp_tnl-segmentation").Split(' ')[^1]}";

    public void Dispose() => _hosts.Dispose();

    private static void Host(CommandLog log, NetNamespace host, string endpoint, string local, string remote)
    {
        ChildProcess.Run(log, "ip", ["-n", host.Name, "link", "add", "br0", "type", "bridge"]);
        ChildProcess.Run(log, "ip", ["-n", host.Name, "link", "add", "vx0", "type", "vxlan", "id", VxlanHosts.Vni, "local", local, "remote", remote,
            "dstport", "4789", "dev", "ul"]);
        ChildProcess.Run(log, "ip", ["-n", host.Name, "link", "set", "vx0", "master", "br0", "up"]);
        ChildProcess.Run(log, "ip", ["link", "add", endpoint, "mtu", "1450", "type", "veth", "peer", "name", "ep", "netns", host.Name, "mtu", "1450"]);
        ChildProcess.Run(log, "ip", ["-n", host.Name, "link", "set", "ep", "master", "br0", "up"]);
        ChildProcess.Run(log, "ip", ["-n", host.Name, "link", "set", "br0", "up"]);
    }
}
