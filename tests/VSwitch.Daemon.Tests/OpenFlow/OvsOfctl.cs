using System.Diagnostics;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>The real ovs-ofctl (Debian openvswitch-common) speaking OpenFlow 1.3 to a vswitchd's management socket.</summary>
internal sealed class OvsOfctl
{
    private readonly string _target;

    public OvsOfctl(DaemonProcess daemon, string bridge = "br0")
    {
        Prerequisite.Require(Prerequisite.FindOnPath("ovs-ofctl") is not null, "ovs-ofctl not installed (apt-get install openvswitch-common)");
        SocketPath = Path.Combine(daemon.RunDir, bridge + ".mgmt");
        _target = "unix:" + SocketPath;
        // The management socket opens right after the control socket (once the DB is restored).
        var clock = Stopwatch.StartNew();
        while (!File.Exists(SocketPath))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{SocketPath} did not appear within 30 s");
            Thread.Sleep(50);
        }
    }

    public string SocketPath { get; }

    /// <summary>Runs <c>ovs-ofctl -O OpenFlow13 [OPTIONS] COMMAND unix:SOCKET ARGS</c>.</summary>
    public (int Code, string Out, string Err) Run(string command, params string[] args) => Run([], command, args);

    public (int Code, string Out, string Err) Run(string[] options, string command, params string[] args) =>
        HostCommand.Run(Prerequisite.FindOnPath("ovs-ofctl")!, ["-O", "OpenFlow13", "--timeout=20", .. options, command, _target, .. args], 60_000);

    /// <summary>Runs and fails the test unless ovs-ofctl exits 0; returns stdout.</summary>
    public string Ok(string command, params string[] args) => Ok([], command, args);

    public string Ok(string[] options, string command, params string[] args)
    {
        (int code, string output, string err) = Run(options, command, args);
        Assert.True(code == 0, $"ovs-ofctl {command} {string.Join(' ', args)} exited {code}: {err}{output}");
        return output;
    }

    /// <summary>
    /// dump-flows, each flow as a set of its fields (table, cookie, priority, timeouts, flags, match fields) and its
    /// actions; the figures that change (duration, counters, ages) are left out of the set and kept apart.
    /// </summary>
    public List<DumpedFlow> DumpFlows(params string[] args)
    {
        var flows = new List<DumpedFlow>();
        foreach (string raw in Ok("dump-flows", args).Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith("cookie=", StringComparison.Ordinal))
            {
                continue;
            }
            flows.Add(DumpedFlow.Parse(line));
        }
        return flows;
    }
}

/// <summary>One flow of a dump (or of an add-flow line, parsed the same way).</summary>
internal sealed record DumpedFlow(SortedSet<string> Fields, string Actions, long Packets, long Bytes)
{
    private static readonly string[] s_volatile = ["duration", "n_packets", "n_bytes", "idle_age", "hard_age"];

    public static DumpedFlow Parse(string line)
    {
        int at = line.IndexOf("actions=", StringComparison.Ordinal);
        string head = line[..at].Replace(", ", ",", StringComparison.Ordinal).Replace(' ', ',').Trim(',');
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        long packets = 0, bytes = 0;
        foreach (string f in head.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = f.Split('=')[0];
            if (name == "n_packets")
            {
                packets = long.Parse(f[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name == "n_bytes")
            {
                bytes = long.Parse(f[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
            if (!s_volatile.Contains(name))
            {
                fields.Add(f);
            }
        }
        return new DumpedFlow(fields, line[(at + "actions=".Length)..].Trim(), packets, bytes);
    }

    public override string ToString() => string.Join(",", Fields) + " actions=" + Actions;
}
