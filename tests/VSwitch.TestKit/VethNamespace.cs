using System.Diagnostics;

namespace VSwitch.TestKit;

/// <summary>
/// A veth pair whose one end (<see cref="HostEnd"/>) stays in the test's namespace and whose other end
/// (<see cref="PeerEnd"/>) lives, with an address, in a network namespace of its own. Names are unique (process id and
/// a counter, at most 15 characters). Dispose deletes the namespace (which deletes the pair). Needs root and iproute2.
/// </summary>
public sealed class VethNamespace : IDisposable
{
    private static int s_counter;

    private VethNamespace(string ns, string hostEnd, string peerEnd, string address, string mac)
    {
        Namespace = ns;
        HostEnd = hostEnd;
        PeerEnd = peerEnd;
        Address = address;
        Mac = mac;
    }

    /// <summary>The namespace name.</summary>
    public string Namespace { get; }

    /// <summary>The end in the test's namespace (give it to the switch).</summary>
    public string HostEnd { get; }

    /// <summary>The end inside <see cref="Namespace"/>.</summary>
    public string PeerEnd { get; }

    /// <summary>The peer end's IPv4 address (without prefix length).</summary>
    public string Address { get; }

    /// <summary>The peer end's MAC address.</summary>
    public string Mac { get; }

    /// <summary>True when namespaces can be made here (root and <c>ip</c>).</summary>
    public static bool Available => Prerequisite.IsRoot && Prerequisite.FindOnPath("ip") is not null;

    /// <summary>
    /// Creates the pair; the peer end gets <paramref name="cidr"/> (e.g. 10.9.0.1/24) and <paramref name="mac"/>, the
    /// host end stays down unless <paramref name="upHostEnd"/>. IPv6 is off on the peer so it sends only what the test
    /// asks for.
    /// </summary>
    public static VethNamespace Create(string cidr, string mac, bool upHostEnd = true)
    {
        int n = Interlocked.Increment(ref s_counter);
        string tag = $"{Environment.ProcessId % 100000}x{n}";
        var v = new VethNamespace($"vsp{tag}", $"vph{tag}", $"vpn{tag}", cidr.Split('/')[0], mac);
        try
        {
            Run("ip", "netns", "add", v.Namespace);
            Run("ip", "link", "add", v.HostEnd, "type", "veth", "peer", "name", v.PeerEnd);
            Run("sysctl", "-q", "-w", $"net.ipv6.conf.{v.HostEnd}.disable_ipv6=1");
            Run("ip", "link", "set", v.PeerEnd, "netns", v.Namespace);
            v.Exec("sysctl", "-q", "-w", $"net.ipv6.conf.{v.PeerEnd}.disable_ipv6=1");
            v.Exec("ip", "link", "set", v.PeerEnd, "address", mac);
            v.Exec("ip", "addr", "add", cidr, "dev", v.PeerEnd);
            v.Exec("ip", "link", "set", v.PeerEnd, "up");
            v.Exec("ip", "link", "set", "lo", "up");
            if (upHostEnd)
            {
                Run("ip", "link", "set", v.HostEnd, "up");
            }
            return v;
        }
        catch
        {
            v.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespace; throws when it fails.</summary>
    public string Exec(string file, params string[] args) => Run("ip", ["netns", "exec", Namespace, file, .. args]);

    /// <summary>Runs a command inside the namespace; returns its exit code and output, never throws for a failure.</summary>
    public (int ExitCode, string Output) TryExec(TimeSpan timeout, string file, params string[] args) =>
        TryRun(timeout, "ip", ["netns", "exec", Namespace, file, .. args]);

    /// <summary>
    /// Pings <paramref name="target"/> from inside the namespace (<c>ping</c>, or busybox's when iputils is absent) with
    /// <paramref name="count"/> echo requests and a deadline of <paramref name="deadlineSeconds"/>; returns its exit code
    /// (0 when replies came) and output.
    /// </summary>
    public (int ExitCode, string Output) Ping(string target, int count = 3, int deadlineSeconds = 5)
    {
        string c = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string w = deadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        TimeSpan timeout = TimeSpan.FromSeconds(deadlineSeconds + 10);
        return Prerequisite.FindOnPath("ping") is not null
            ? TryExec(timeout, "ping", "-c", c, "-w", w, target)
            : TryExec(timeout, "busybox", "ping", "-c", c, "-w", w, target);
    }

    /// <summary>Starts a long-running command inside the namespace (the caller ends it by its PID).</summary>
    public Process Start(string file, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["netns", "exec", Namespace, file, .. args])
        {
            start.ArgumentList.Add(a);
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        TryRun(TimeSpan.FromSeconds(10), "ip", "link", "del", HostEnd);
        TryRun(TimeSpan.FromSeconds(10), "ip", "netns", "del", Namespace);
    }

    /// <summary>Runs a command; throws with its output when it fails or takes longer than 30 s.</summary>
    public static string Run(string file, params string[] args)
    {
        (int code, string output) = TryRun(TimeSpan.FromSeconds(30), file, args);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {output}");
    }

    /// <summary>Runs a command with a timeout (then it is killed by its PID); returns the exit code (-1 on timeout) and output.</summary>
    public static (int ExitCode, string Output) TryRun(TimeSpan timeout, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        using Process p = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill();
            p.WaitForExit(5000);
            return (-1, "timed out: " + stdout.Result + stderr.Result);
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
