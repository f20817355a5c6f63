using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mono.Unix.Native;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit;
using VSwitch.TestKit.Guests;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tunnels;

/// <summary>
/// Hosts for tunnel tests, each a network namespace: a vswitchd host runs its own daemon inside its namespace with an
/// underlay address on a veth link; endpoints are namespaces behind the daemon's tap ports; a kernel host holds a
/// Linux <c>vxlan</c> device. Every namespace has IPv6 off, so the only frames are the ones a test sends (a test may
/// turn it on for one interface, <see cref="EnableIpv6"/>). Namespaces and daemons are removed on dispose (daemons by
/// PID).
/// </summary>
internal sealed class TunnelHosts : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly List<DaemonProcess> _daemons = [];

    public TunnelHosts()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "tunnel tests need root (network namespaces, tap devices)");
        Prerequisite.Require(File.Exists("/dev/net/tun"), "/dev/net/tun is missing");
        Prerequisite.Require(Prerequisite.FindOnPath("ip") is not null, "iproute2 (ip) is missing");
        Prerequisite.Require(Prerequisite.FindOnPath("busybox") is not null, "busybox is missing");
    }

    /// <summary>A new namespace with IPv6 off (also for interfaces moved in later).</summary>
    public NetNamespace Namespace(string prefix)
    {
        var ns = new NetNamespace(prefix);
        _owned.Add(ns);
        Check(ns.Exec(10_000, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"), "sysctl");
        return ns;
    }

    /// <summary>A bridge <c>br0</c> in a namespace of its own: the underlay network several hosts plug into.</summary>
    public NetNamespace Underlay()
    {
        NetNamespace u = Namespace("vxu");
        HostCommand.Ip("-n", u.Name, "link", "add", "br0", "type", "bridge");
        HostCommand.Ip("-n", u.Name, "link", "set", "br0", "up");
        return u;
    }

    /// <summary>
    /// A veth link with end <c>ul</c> in <paramref name="host"/> (address <paramref name="cidr"/>, MTU 1500) and end
    /// <paramref name="peerName"/> in <paramref name="peer"/> (address <paramref name="peerCidr"/>, or none and enslaved
    /// to <c>br0</c> when null).
    /// </summary>
    public static void Link(NetNamespace host, string cidr, NetNamespace peer, string peerName, string? peerCidr)
    {
        HostCommand.Ip("link", "add", "ul", "netns", host.Name, "type", "veth", "peer", "name", peerName, "netns", peer.Name);
        HostCommand.Ip("-n", host.Name, "addr", "add", cidr, "dev", "ul");
        HostCommand.Ip("-n", host.Name, "link", "set", "ul", "up");
        if (peerCidr is not null)
        {
            HostCommand.Ip("-n", peer.Name, "addr", "add", peerCidr, "dev", peerName);
        }
        else
        {
            HostCommand.Ip("-n", peer.Name, "link", "set", peerName, "master", "br0");
        }
        HostCommand.Ip("-n", peer.Name, "link", "set", peerName, "up");
    }

    /// <summary>Starts a vswitchd inside <paramref name="host"/> (one datapath thread unless <paramref name="extra"/> says otherwise).</summary>
    public DaemonProcess Daemon(NetNamespace host, params string[] extra)
    {
        var d = new DaemonProcess(netns: host.Name);
        _daemons.Add(d);
        d.Start(extra);
        return d;
    }

    /// <summary>Adds tap port <paramref name="port"/> to <paramref name="d"/> (running in <paramref name="host"/>) and moves its interface into a new endpoint namespace with <paramref name="cidr"/>.</summary>
    public (NetNamespace Ns, string IfName) Endpoint(DaemonProcess d, NetNamespace host, string port, string cidr)
    {
        string ifName = HostCommand.UniqueName("vxt");
        Ok(d.Ctl("add-port", port, "tap", "--ifname", ifName));
        NetNamespace ns = Namespace("vxe");
        HostCommand.Ip("-n", host.Name, "link", "set", ifName, "netns", ns.Name);
        HostCommand.Ip("-n", ns.Name, "addr", "add", cidr, "dev", ifName);
        HostCommand.Ip("-n", ns.Name, "link", "set", ifName, "up");
        return (ns, ifName);
    }

    /// <summary>
    /// Turns IPv6 on for <paramref name="ifName"/> alone in <paramref name="ns"/> and gives it <paramref name="cidr"/>
    /// without duplicate address detection, so the address is usable at once.
    /// </summary>
    public static void EnableIpv6(NetNamespace ns, string ifName, string cidr)
    {
        Check(ns.Exec(10_000, "sysctl", "-qw", $"net.ipv6.conf.{ifName}.disable_ipv6=0"), "sysctl");
        HostCommand.Ip("-n", ns.Name, "-6", "addr", "add", cidr, "dev", ifName, "nodad");
    }

    /// <summary>Adds a vxlan port from <paramref name="local"/> to <paramref name="remote"/> with VNI <paramref name="vni"/>.</summary>
    public static void Tunnel(DaemonProcess d, string port, string local, string remote, int vni) =>
        Ok(d.Ctl("add-port", port, "vxlan", "--remote-ip", remote, "--local-ip", local, "--key", vni.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// Pings <paramref name="ip"/> from <paramref name="ns"/> with <paramref name="payload"/>-byte payloads until one
    /// answers (ARP and learning settle), then <paramref name="count"/> times; fails unless all of those came back.
    /// </summary>
    public static void Ping(NetNamespace ns, string ip, int payload = 56, int count = 3)
    {
        string size = payload.ToString(CultureInfo.InvariantCulture);
        var sw = Stopwatch.StartNew();
        while (ns.Exec(10_000, "busybox", "ping", "-c", "1", "-W", "1", "-s", size, ip).ExitCode != 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"{ip} did not answer {payload}-byte pings from {ns.Name} within 30 s");
        }
        (int code, string stdout, string stderr) = ns.Exec(60_000, "busybox", "ping", "-c", count.ToString(CultureInfo.InvariantCulture),
            "-i", "0.2", "-W", "3", "-s", size, ip);
        Assert.True(code == 0, $"ping -s {payload} {ip} from {ns.Name} failed ({code}): {stdout} {stderr}");
        Assert.Contains($"{count} packets received", stdout, StringComparison.Ordinal);
    }

    /// <summary>One ping that must get no answer (the frame is too big for the tunnel).</summary>
    public static void PingFails(NetNamespace ns, string ip, int payload)
    {
        (int code, string stdout, _) = ns.Exec(30_000, "busybox", "ping", "-c", "2", "-W", "2", "-s", payload.ToString(CultureInfo.InvariantCulture), ip);
        Assert.True(code != 0, $"ping -s {payload} {ip} from {ns.Name} got through: {stdout}");
    }

    /// <summary>The packets received on <paramref name="ifName"/> in <paramref name="ns"/> (the kernel's counter).</summary>
    public static long RxPackets(NetNamespace ns, string ifName) =>
        long.Parse(ns.ReadSys($"/sys/class/net/{ifName}/statistics/rx_packets"), CultureInfo.InvariantCulture);

    /// <summary>Writes what a failed guest test needs to be understood: each guest's console, each switch's log, port stats and fdb.</summary>
    public static void DumpOnFailure(ITestOutputHelper output, IEnumerable<QemuGuest> guests, IEnumerable<DaemonProcess> daemons)
    {
        foreach (QemuGuest g in guests)
        {
            output.WriteLine($"--- {g.Name} console:\n{g.Console}");
        }
        foreach (DaemonProcess d in daemons)
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            output.WriteLine(d.Ctl("port-stats").Stdout);
            output.WriteLine(d.Ctl("fdb-show").Stdout);
        }
    }

    /// <summary>The bytes sent on <paramref name="ifName"/> in <paramref name="ns"/> (the kernel's counter).</summary>
    public static long TxBytes(NetNamespace ns, string ifName) =>
        long.Parse(ns.ReadSys($"/sys/class/net/{ifName}/statistics/tx_bytes"), CultureInfo.InvariantCulture);

    /// <summary>A port's counter: <paramref name="direction"/> rx or tx, <paramref name="reason"/> a drop reason or null for packets.</summary>
    public static long Counter(DaemonProcess d, string port, string direction, string? reason = null)
    {
        JsonElement p = d.Ctl("port-stats", port, "--json").Json().GetProperty("ports").EnumerateArray().Single().GetProperty(direction);
        return reason is null ? p.GetProperty("packets").GetInt64()
            : p.GetProperty("drops_by_reason").TryGetProperty(reason, out JsonElement n) ? n.GetInt64() : 0;
    }

    /// <summary>
    /// Captures VXLAN (UDP 4789) on <paramref name="ifName"/> in <paramref name="ns"/> into <paramref name="file"/> with
    /// dumpcap while <paramref name="traffic"/> runs; dumpcap is stopped by its PID with SIGINT so it writes everything.
    /// </summary>
    public static void Capture(NetNamespace ns, string ifName, string file, Action traffic)
    {
        Prerequisite.Require(Prerequisite.FindOnPath("dumpcap") is not null, "dumpcap (wireshark-common) is missing");
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "netns", "exec", ns.Name, "dumpcap", "-q", "-i", ifName, "-f", "udp port 4789", "-P", "-w", file })
        {
            start.ArgumentList.Add(a);
        }
        using Process dumpcap = Process.Start(start)!;
        var stderr = new System.Text.StringBuilder();
        dumpcap.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        dumpcap.BeginErrorReadLine();
        try
        {
            // dumpcap writes the file header once the interface is open.
            Eventually.True(() => dumpcap.HasExited || (File.Exists(file) && new FileInfo(file).Length >= 24), "dumpcap to open " + ifName);
            Assert.False(dumpcap.HasExited, "dumpcap ended early: " + stderr);
            traffic();
        }
        finally
        {
            if (!dumpcap.HasExited)
            {
                _ = Syscall.kill(dumpcap.Id, Signum.SIGINT);
                if (!dumpcap.WaitForExit(15_000))
                {
                    dumpcap.Kill();
                    dumpcap.WaitForExit(5_000);
                }
            }
        }
    }

    /// <summary>Moves 4 MiB of random bytes over TCP with busybox nc; fails unless the md5 sums match.</summary>
    public static double Transfer(NetNamespace from, NetNamespace to, string ip, string workDir) =>
        TapNamespaces.Transfer(from, to, ip, 4 << 20, workDir);

    public static void Ok(CtlResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    private static void Check((int ExitCode, string Stdout, string Stderr) r, string what) =>
        Assert.True(r.ExitCode == 0, $"{what} failed: {r.Stdout} {r.Stderr}");

    public void Dispose()
    {
        // Daemons first: their tap interfaces vanish with them, before the namespaces they were moved into go.
        foreach (DaemonProcess d in _daemons)
        {
            d.Dispose();
        }
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }
}
