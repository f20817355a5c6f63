using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tap;

/// <summary>
/// Tap ports of a real vswitchd whose interfaces live in network namespaces of their own: each namespace is a host
/// behind the switch. Interface and namespace names are unique per process and call; namespaces are deleted on dispose.
/// </summary>
internal sealed partial class TapNamespaces : IDisposable
{
    private readonly List<NetNamespace> _namespaces = [];

    public TapNamespaces()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "tap ports and network namespaces need root");
        Prerequisite.Require(File.Exists("/dev/net/tun"), "/dev/net/tun is missing");
        Prerequisite.Require(Prerequisite.FindOnPath("ip") is not null, "iproute2 (ip) is missing");
    }

    /// <summary>
    /// Adds tap port <paramref name="port"/> on a fresh interface (with add-port settings <paramref name="settings"/>, if
    /// any), moves it into a new namespace with <paramref name="cidr"/>.
    /// </summary>
    public (NetNamespace Ns, string IfName) AddHost(DaemonProcess d, string port, string cidr, params string[] settings)
    {
        string ifName = HostCommand.UniqueName("vst");
        CtlResult r = d.Ctl(["add-port", port, "tap", "--ifname", ifName, .. settings]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"interface {ifName}", r.Stdout, StringComparison.Ordinal);
        return (Adopt(ifName, cidr), ifName);
    }

    /// <summary>Moves an existing interface of the daemon's namespace into a new namespace.</summary>
    public NetNamespace Adopt(string ifName, string cidr)
    {
        var ns = new NetNamespace("vsn");
        _namespaces.Add(ns);
        ns.Adopt(ifName, cidr);
        return ns;
    }

    /// <summary>
    /// Pings <paramref name="ip"/> from <paramref name="ns"/> once a second until it answers (ARP resolved, peer ready),
    /// then <paramref name="count"/> times; returns the average RTT in ms. Fails unless every one of those replies came back.
    /// </summary>
    public static double Ping(NetNamespace ns, string ip, int count = 5)
    {
        Reach(ns, ip);
        (int code, string stdout, string stderr) = ns.Exec(60_000, "busybox", "ping", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "3", ip);
        Assert.True(code == 0, $"ping {ip} from {ns.Name} failed ({code}): {stdout} {stderr}");
        Assert.Contains($"{count} packets received", stdout, StringComparison.Ordinal);
        Match m = RttRegex().Match(stdout);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    private static void Reach(NetNamespace ns, string ip)
    {
        var sw = Stopwatch.StartNew();
        while (ns.Exec(10_000, "busybox", "ping", "-c", "1", "-W", "1", ip).ExitCode != 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"{ip} did not answer from {ns.Name} within 30 s");
        }
    }

    /// <summary>
    /// Sends <paramref name="bytes"/> random bytes with busybox nc from <paramref name="from"/> to <paramref name="to"/>
    /// (listening on <paramref name="ip"/>:5001); returns seconds taken. Fails unless both md5 sums match.
    /// </summary>
    public static double Transfer(NetNamespace from, NetNamespace to, string ip, int bytes, string workDir)
    {
        string input = Path.Combine(workDir, "tx.bin");
        string output = Path.Combine(workDir, "rx.bin");
        var data = new byte[bytes];
        new Random(1234).NextBytes(data);
        File.WriteAllBytes(input, data);
        using Process listener = Listen(to, 5001, output);
        try
        {
            var sw = Stopwatch.StartNew();
            Send(from, ip, 5001, input);
            WaitForListener(listener);
            double seconds = sw.Elapsed.TotalSeconds;
            Assert.Equal(Md5(input), Md5(output));
            return seconds;
        }
        finally
        {
            EndListener(listener);
        }
    }

    /// <summary>
    /// Starts busybox nc listening on <paramref name="port"/> in <paramref name="ns"/>, writing what one connection
    /// brings to <paramref name="output"/>; returns once it listens. End it with <see cref="EndListener"/>.
    /// </summary>
    public static Process Listen(NetNamespace ns, int port, string output)
    {
        Prerequisite.Require(Prerequisite.FindOnPath("busybox") is not null, "busybox is missing");
        // busybox nc half-closes the connection when its stdin ends, and the sender then stops early: the listener's
        // stdin is a pipe that stays open (and empty) until the transfer is over.
        var listenerInfo = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in new[] { "netns", "exec", ns.Name, "sh", "-c", $"exec busybox nc -l -p {port} > '{output}'" })
        {
            listenerInfo.ArgumentList.Add(a);
        }
        Process listener = Process.Start(listenerInfo)!;
        try
        {
            // Connect once the listener is bound; starting it can take seconds on a busy machine.
            Eventually.True(() => listener.HasExited || ListensOn(ns, port), $"nc to listen on port {port} in " + ns.Name,
                detail: () => ns.ReadSys("/proc/net/tcp") + "\n" + ns.ReadSys("/proc/net/tcp6"));
            if (listener.HasExited)
            {
                Assert.Fail("nc listener ended before the transfer: " + listener.StandardError.ReadToEnd());
            }
            return listener;
        }
        catch
        {
            EndListener(listener);
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Waits (with a deadline) for a listener of <see cref="Listen"/> to end after its connection closed.</summary>
    public static void WaitForListener(Process listener, int timeoutMs = 60_000) =>
        Assert.True(listener.WaitForExit(timeoutMs), "nc listener did not finish");

    /// <summary>Ends a listener of <see cref="Listen"/> by its own PID if it still runs.</summary>
    public static void EndListener(Process listener)
    {
        if (!listener.HasExited)
        {
            listener.Kill(entireProcessTree: true);
            listener.WaitForExit(5_000);
        }
    }

    /// <summary>
    /// Sends the file <paramref name="input"/> with busybox nc from <paramref name="from"/> to <paramref name="ip"/>:<paramref name="port"/>.
    /// A refused connection is tried again for up to <paramref name="refusedFor"/> (a peer that says it listens may not
    /// have bound its socket yet); nothing was sent then, so a retry cannot duplicate data.
    /// </summary>
    public static void Send(NetNamespace from, string ip, int port, string input, TimeSpan refusedFor = default)
    {
        Prerequisite.Require(Prerequisite.FindOnPath("busybox") is not null, "busybox is missing");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            (int code, string stdout, string stderr) = from.Exec(120_000, "sh", "-c", $"exec busybox nc -w 5 {ip} {port} < '{input}'");
            if (code != 0 && stderr.Contains("Connection refused", StringComparison.Ordinal) && clock.Elapsed < refusedFor)
            {
                Thread.Sleep(200);
                continue;
            }
            Assert.True(code == 0, $"nc sender failed ({code}) after {clock.Elapsed.TotalSeconds:F1} s: {stdout} {stderr}");
            return;
        }
    }

    /// <summary>True when a TCP socket of <paramref name="ns"/> listens on <paramref name="port"/> (IPv4 or, dual-stack, IPv6).</summary>
    internal static bool ListensOn(NetNamespace ns, int port)
    {
        // Lines read "sl local_address:PORT rem_address:0000 st ...", hex, with st 0A = LISTEN.
        var listening = new Regex($@"^\s*\d+: [0-9A-F]+:{port:X4} [0-9A-F]+:0000 0A ", RegexOptions.Multiline);
        return listening.IsMatch(ns.ReadSys("/proc/net/tcp")) || listening.IsMatch(ns.ReadSys("/proc/net/tcp6"));
    }

    /// <summary>The md5 of a file as uppercase hex.</summary>
    internal static string Md5(string path)
    {
        using FileStream f = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.MD5.HashData(f));
    }

    public void Dispose()
    {
        foreach (NetNamespace ns in _namespaces)
        {
            ns.Dispose();
        }
    }

    [GeneratedRegex(@"min/avg/max(?:/mdev)? = [\d.]+/([\d.]+)/")]
    private static partial Regex RttRegex();
}
