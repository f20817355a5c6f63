using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VSwitch.TestKit;

namespace VSwitch.SystemBench;

/// <summary>
/// The traffic generator: one dpdk-testpmd with two virtio-user ports (forwarding lcore CPU 0, main lcore CPU 1).
/// io mode: <c>start tx_first N</c> makes each port send N bursts of 32 frames (source = the port's own MAC,
/// destination = its <c>--eth-peer</c>, which is the other port's MAC); from then on what port 1 receives leaves on
/// port 0 and vice versa, unchanged, so a fixed population circulates through the switch, each MAC always entering on
/// the same switch port (a learning switch learns both and stops flooding). flowgen mode: both ports send new frames
/// as fast as they can over N UDP flows (testpmd's flowgen: 10.254.0.0 → 10.253.0.0 + i, UDP 1000 → 1001, both ports
/// with the same fixed MACs 00:01:02:03:04:00 → :01, so only in_port rules forward it sensibly) and count what they
/// receive. Either way the figure is what the generator
/// received, summed over both ports: the packets that crossed the switch.
/// </summary>
internal sealed partial class Generator : IDisposable
{
    public const string Mac0 = "02:00:00:00:00:10";
    public const string Mac1 = "02:00:00:00:00:11";

    private readonly TestPmd _pmd;
    private readonly Scenario _scenario;

    private Generator(TestPmd pmd, Scenario scenario)
    {
        _pmd = pmd;
        _scenario = scenario;
    }

    public int Pid => _pmd.Pid;

    /// <summary>
    /// Starts the generator. <paramref name="ring"/> <c>packed</c> asks its virtio-user ports for the packed ring
    /// (<c>packed_vq=1</c>); a switch that does not offer VIRTIO_F_RING_PACKED then gets split rings anyway.
    /// </summary>
    public static Generator Start(string socket0, string socket1, bool server, Scenario scenario, CommandLog log, string ring = "split")
    {
        string extra = ",queues=1,queue_size=256" + (server ? ",server=1" : "") + (ring == "packed" ? ",packed_vq=1" : "");
        string[] vdevs =
        [
            $"net_virtio_user0,path={socket0},mac={Mac0}{extra}",
            $"net_virtio_user1,path={socket1},mac={Mac1}{extra}",
        ];
        // Frame sizes are quoted with the 4-byte FCS, as RFC 2544 does; the buffers testpmd builds have none. txonly
        // (which tx_first uses) builds --txpkts bytes, flowgen builds --txpkts minus 4.
        int txpkts = scenario.Flows == 0 ? scenario.FrameSize - 4 : scenario.FrameSize;
        var args = new List<string>
        {
            "--txpkts=" + txpkts.ToString(CultureInfo.InvariantCulture),
            "--eth-peer=0," + Mac1, "--eth-peer=1," + Mac0,
            "--rxd=256", "--txd=256", "--burst=32", "--total-num-mbufs=16384",
        };
        if (scenario.Flows == 0)
        {
            args.Add("--forward-mode=io");
        }
        else
        {
            args.Add("--forward-mode=flowgen");
            args.Add("--flowgen-flows=" + scenario.Flows.ToString(CultureInfo.InvariantCulture));
        }
        var pmd = TestPmd.Start(vdevs, args, forwardCpu: 0, memoryMb: 256);
        log.Add(pmd.CommandLine);
        var g = new Generator(pmd, scenario);
        try
        {
            pmd.WaitForPrompt(TimeSpan.FromSeconds(60));
        }
        catch
        {
            g.Dispose();
            throw;
        }
        return g;
    }

    /// <summary>Waits until both virtio-user ports report link up (the switch has connected and started the rings).</summary>
    public void WaitLinksUp(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!(LinkUp(0) && LinkUp(1)))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("generator links did not come up:\n" + Tail());
            }
            Thread.Sleep(200);
        }
    }

    /// <summary>
    /// Starts the traffic and waits until both ports receive; in io mode re-injects (stop, start tx_first) up to three
    /// times when a population was lost while the switch was still setting its rings up.
    /// </summary>
    public void StartTraffic(int txFirstBursts, TimeSpan settle)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            _pmd.Send(_scenario.Flows == 0 ? "start tx_first " + txFirstBursts.ToString(CultureInfo.InvariantCulture) : "start");
            Thread.Sleep(settle);
            var (a, b) = (Stats(), Stats());
            if (b.Rx0 > a.Rx0 && b.Rx1 > a.Rx1)
            {
                return;
            }
            _pmd.Send("stop");
            Thread.Sleep(300);
        }
        throw new InvalidOperationException("no traffic crossed the switch in both directions:\n" + Tail());
    }

    /// <summary>
    /// Calls <paramref name="atOpen"/>, reads the port counters as the window's baseline, then reads them at every whole
    /// second of the window and at its end; returns the counters gained over the window, the real elapsed time, the
    /// rate of each whole second (Mpps, both ports received) and <paramref name="snapshot"/> taken as the window opens
    /// and as it closes. A reading costs the generator's main lcore one console command, which is negligible next to a
    /// second of forwarding. The counters are not cleared: virtio-user's counters are updated by the forwarding lcore
    /// with plain read-add-write, so a clear from the main lcore can be lost on one port while traffic runs (seen as
    /// one port receiving the whole warm-up more than the other); a baseline cannot be lost.
    /// </summary>
    public Window Measure(double seconds, Action atOpen, Func<CpuSnapshot> snapshot)
    {
        atOpen();
        PortPair baseline = Stats();
        var clock = Stopwatch.StartNew();
        CpuSnapshot start = snapshot();
        var rates = new List<double>();
        PortPair counters;
        long lastRx = 0;
        double lastT = 0;
        for (int second = 1; ; second++)
        {
            double target = Math.Min(second, seconds);
            TimeSpan wait = TimeSpan.FromSeconds(target) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
            counters = Stats().Minus(baseline);
            double t = clock.Elapsed.TotalSeconds;
            if (target == second)
            {
                rates.Add((counters.Rx0 + counters.Rx1 - lastRx) / (t - lastT) / 1e6);
                (lastRx, lastT) = (counters.Rx0 + counters.Rx1, t);
            }
            if (target >= seconds)
            {
                double elapsed = t;
                return new Window(counters, elapsed, [.. rates], start, snapshot());
            }
        }
    }

    /// <summary>Both ports' counters from one <c>show port stats all</c>.</summary>
    public PortPair Stats()
    {
        int offset = _pmd.Output.Length;
        _pmd.Send("show port stats all");
        _pmd.WaitFor(TwoPortsRegex(), TimeSpan.FromSeconds(10), offset);
        string text = _pmd.Output[offset..];
        long rx0 = 0, rx1 = 0, tx0 = 0, tx1 = 0;
        foreach (Match m in PortStatsRegex().Matches(text))
        {
            long rx = long.Parse(m.Groups["rx"].Value, CultureInfo.InvariantCulture);
            long tx = long.Parse(m.Groups["tx"].Value, CultureInfo.InvariantCulture);
            if (m.Groups["port"].Value == "0")
            {
                (rx0, tx0) = (rx, tx);
            }
            else
            {
                (rx1, tx1) = (rx, tx);
            }
        }
        return new PortPair(rx0, rx1, tx0, tx1);
    }

    public void StopForwarding() => _pmd.Send("stop");

    public string Tail()
    {
        string text = _pmd.Output;
        return text.Length > 3000 ? text[^3000..] : text;
    }

    public void Dispose() => _pmd.Dispose();

    private bool LinkUp(int port)
    {
        int offset = _pmd.Output.Length;
        _pmd.Send("show port info " + port.ToString(CultureInfo.InvariantCulture));
        Match m = _pmd.WaitFor(LinkRegex(), TimeSpan.FromSeconds(10), offset);
        return m.Groups[1].Value == "up";
    }

    [GeneratedRegex(@"Link status:\s+(up|down)")]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"NIC statistics for port 1\s+#+[\s\S]*?TX-packets:\s+\d+[\s\S]*?#{20,}")]
    private static partial Regex TwoPortsRegex();

    [GeneratedRegex(@"NIC statistics for port (?<port>\d)\s+#+\s+RX-packets:\s+(?<rx>\d+)[\s\S]*?TX-packets:\s+(?<tx>\d+)")]
    private static partial Regex PortStatsRegex();
}

/// <summary>One measured window: final counters, elapsed seconds, per-second rates (Mpps) and the CPU counters at its two ends.</summary>
internal sealed record Window(PortPair Counters, double Elapsed, double[] RatesMpps, CpuSnapshot Start, CpuSnapshot End);

/// <summary>Packet counters of the generator's two ports.</summary>
internal readonly record struct PortPair(long Rx0, long Rx1, long Tx0, long Tx1)
{
    /// <summary>What the counters gained since <paramref name="earlier"/>.</summary>
    public PortPair Minus(PortPair earlier) => new(Rx0 - earlier.Rx0, Rx1 - earlier.Rx1, Tx0 - earlier.Tx0, Tx1 - earlier.Tx1);
}
