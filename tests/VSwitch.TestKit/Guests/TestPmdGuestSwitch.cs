using System.Globalization;
using System.Text.RegularExpressions;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// A stand-in switch for guest tests: <c>dpdk-testpmd</c> with two <c>net_vhost</c> ports in <c>io</c> forwarding mode,
/// which cross-connects them (everything received on port 0 goes out of port 1 and back). Guests attach to
/// <see cref="SocketPath(int)"/> exactly as they will attach to the switch's vhost-user ports. testpmd busy-polls on
/// one CPU (<c>forwardCpu</c>); run the guests on the other. Not thread-safe; dispose once.
/// </summary>
public sealed partial class TestPmdGuestSwitch : IDisposable
{
    private readonly string[] _sockets;

    private TestPmdGuestSwitch(TestPmd testPmd, string[] sockets)
    {
        TestPmd = testPmd;
        _sockets = sockets;
    }

    /// <summary>The running testpmd (its console and interactive commands).</summary>
    public TestPmd TestPmd { get; }

    /// <summary>
    /// Starts testpmd with its two vhost-user sockets in <paramref name="directory"/>. With
    /// <see cref="GuestSocketMode.QemuServer"/> testpmd connects to the guests' sockets and retries until they exist.
    /// <paramref name="tso"/> offers TCP segmentation offload to the guests.
    /// </summary>
    public static TestPmdGuestSwitch Start(string directory, GuestSocketMode mode, int queues = 1, bool tso = false, int forwardCpu = 0)
    {
        string q = queues.ToString(CultureInfo.InvariantCulture);
        var sockets = new[] { Path.Combine(directory, "port0.sock"), Path.Combine(directory, "port1.sock") };
        var vdevs = new List<string>();
        for (int i = 0; i < sockets.Length; i++)
        {
            string vdev = $"net_vhost{i},iface={sockets[i]},queues={q}";
            if (mode == GuestSocketMode.QemuServer)
            {
                vdev += ",client=1";
            }
            if (tso)
            {
                vdev += ",tso=1";
            }
            vdevs.Add(vdev);
        }
        // io mode with a small mbuf pool: two ports of up to 16 queues fit in 8192 buffers, and 256 MiB of hugepages.
        string[] app = ["--forward-mode=io", "--auto-start", $"--rxq={q}", $"--txq={q}", "--total-num-mbufs=8192"];
        var testPmd = TestPmd.Start(vdevs, app, forwardCpu, memoryMb: 256, singleFileSegments: false);
        try
        {
            testPmd.WaitForPrompt(TimeSpan.FromSeconds(60));
        }
        catch
        {
            testPmd.Dispose();
            throw;
        }
        return new TestPmdGuestSwitch(testPmd, sockets);
    }

    /// <summary>The vhost-user socket of port 0 or 1.</summary>
    public string SocketPath(int port) => _sockets[port];

    /// <summary>The counters of port 0 or 1.</summary>
    public TestPmdPortStats Stats(int port) => TestPmd.GetPortStats(port);

    /// <summary>
    /// The per-stream counters since forwarding started (empty with one queue per port: testpmd then prints per-port
    /// counters only, see <see cref="Stats(int)"/>).
    /// </summary>
    public IReadOnlyList<TestPmdStreamStats> StreamStats()
    {
        int offset = TestPmd.Output.Length;
        TestPmd.Send("show fwd stats all");
        Match end = TestPmd.WaitFor(AccumulatedRegex(), TimeSpan.FromSeconds(30), offset);
        string text = TestPmd.Output[offset..end.Index];
        var result = new List<TestPmdStreamStats>();
        foreach (Match m in StreamRegex().Matches(text))
        {
            static int I(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
            static long L(Group g) => long.Parse(g.Value, CultureInfo.InvariantCulture);
            result.Add(new TestPmdStreamStats(I(m.Groups["rp"]), I(m.Groups["rq"]), I(m.Groups["tp"]), I(m.Groups["tq"]),
                L(m.Groups["rx"]), L(m.Groups["tx"]), L(m.Groups["drop"])));
        }
        return result;
    }

    /// <summary>Ends testpmd (quit, then by PID) and removes its sockets.</summary>
    public void Dispose()
    {
        TestPmd.Dispose();
        foreach (string socket in _sockets)
        {
            File.Delete(socket);
        }
    }

    [GeneratedRegex(@"Accumulated forward statistics for all ports")]
    private static partial Regex AccumulatedRegex();

    [GeneratedRegex(@"Forward Stats for RX Port=\s*(?<rp>\d+)/Queue=\s*(?<rq>\d+) -> TX Port=\s*(?<tp>\d+)/Queue=\s*(?<tq>\d+)\s*-+\s*RX-packets:\s*(?<rx>\d+)\s+TX-packets:\s*(?<tx>\d+)\s+TX-dropped:\s*(?<drop>\d+)")]
    private static partial Regex StreamRegex();
}
