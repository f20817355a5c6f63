using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VSwitch.TestKit;

/// <summary>Port counters as testpmd reports them (<c>show port stats N</c>).</summary>
public readonly record struct TestPmdPortStats(long RxPackets, long RxBytes, long TxPackets, long TxBytes, long RxMissed, long TxErrors);

/// <summary>
/// Runs <c>dpdk-testpmd</c> in interactive mode as a real peer (virtio-user frontend or vhost backend),
/// drives it through stdin and reads its console. Every instance has its own <c>--file-prefix</c>, is ended by
/// its own PID, and removes its DPDK runtime directory.
/// </summary>
public sealed partial class TestPmd : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();
    private readonly string _prefix;
    private bool _disposed;

    private TestPmd(Process process, string prefix, string commandLine)
    {
        _process = process;
        _prefix = prefix;
        CommandLine = commandLine;
    }

    /// <summary>The full command line, for test logs.</summary>
    public string CommandLine { get; }

    /// <summary>Everything testpmd printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>The process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Path of dpdk-testpmd, or null.</summary>
    public static string? ExecutablePath => Prerequisite.FindOnPath("dpdk-testpmd");

    /// <summary>True when 2 MiB hugepages are reserved and hugetlbfs is mounted.</summary>
    public static bool HugepagesReady()
    {
        try
        {
            string meminfo = File.ReadAllText("/proc/meminfo");
            var m = FreeHugepages().Match(meminfo);
            bool mounted = File.ReadAllText("/proc/mounts").Contains(" hugetlbfs ", StringComparison.Ordinal);
            return m.Success && long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= 256 && mounted;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Fails (CI) or skips (elsewhere) unless testpmd can run here.</summary>
    public static void RequireAvailable()
    {
        Prerequisite.Require(ExecutablePath is not null, "dpdk-testpmd not installed (apt-get install dpdk-dev; scripts/setup.sh does it)");
        Prerequisite.Require(Prerequisite.IsRoot, "dpdk-testpmd needs root");
        Prerequisite.Require(HugepagesReady(), "no free hugepages or hugetlbfs not mounted (scripts/setup.sh sets them up)");
    }

    /// <summary>
    /// Starts testpmd. <paramref name="vdevs"/> are <c>--vdev</c> values; <paramref name="appArgs"/> follow <c>--</c>
    /// (e.g. <c>--forward-mode=txonly</c>). The forwarding lcore is CPU <paramref name="forwardCpu"/>, the main lcore the other CPU.
    /// </summary>
    public static TestPmd Start(IEnumerable<string> vdevs, IEnumerable<string> appArgs, int forwardCpu = 0, int memoryMb = 512, bool singleFileSegments = true)
    {
        string prefix = "vst" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "x" + Interlocked.Increment(ref s_counter).ToString(CultureInfo.InvariantCulture);
        int mainCpu = forwardCpu == 0 ? 1 : 0;
        var args = new List<string>
        {
            "-oL", ExecutablePath ?? "dpdk-testpmd",
            "-l", $"{Math.Min(forwardCpu, mainCpu)},{Math.Max(forwardCpu, mainCpu)}", "--main-lcore", mainCpu.ToString(CultureInfo.InvariantCulture),
            "--no-pci", "--file-prefix", prefix, "-m", memoryMb.ToString(CultureInfo.InvariantCulture),
        };
        // virtio-user shares its memory with the back-end as fds, which --single-file-segments keeps to a few; that option
        // excludes --huge-unlink, so Dispose removes the hugepage files instead.
        args.Add(singleFileSegments ? "--single-file-segments" : "--huge-unlink");
        foreach (var v in vdevs)
        {
            args.Add("--vdev");
            args.Add(v);
        }
        args.Add("--");
        args.Add("-i");
        args.AddRange(appArgs);

        var psi = new ProcessStartInfo("stdbuf")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dpdk-testpmd");
        var pmd = new TestPmd(process, prefix, "stdbuf " + string.Join(' ', args));
        process.OutputDataReceived += (_, e) => pmd.Append(e.Data);
        process.ErrorDataReceived += (_, e) => pmd.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return pmd;
    }

    private static int s_counter;

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Sends one interactive command.</summary>
    public void Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>
    /// Stops forwarding and waits until testpmd says it is done (its forwarding cores have finished), so nothing more
    /// is sent after this returns. Only after a <c>start</c>.
    /// </summary>
    public void Stop(TimeSpan? timeout = null)
    {
        int offset = Output.Length;
        Send("stop");
        WaitFor(StoppedRegex(), timeout ?? TimeSpan.FromSeconds(30), offset);
    }

    /// <summary>Waits until the output (after <paramref name="fromOffset"/>) matches <paramref name="pattern"/>; returns the match or throws with the log.</summary>
    public Match WaitFor(Regex pattern, TimeSpan timeout, int fromOffset = 0)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            string text = Output;
            var m = pattern.Match(text, Math.Min(fromOffset, text.Length));
            if (m.Success)
            {
                return m;
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"dpdk-testpmd exited ({_process.ExitCode}) before '{pattern}'.\n{Tail(text)}");
            }
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"dpdk-testpmd did not print '{pattern}' within {timeout.TotalSeconds} s.\n{Tail(text)}");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// Waits until testpmd reads commands (its ports are configured and started). Its prompt carries no newline,
    /// so readiness is observed as the answer to a first stats request.
    /// </summary>
    public void WaitForPrompt(TimeSpan timeout) => GetPortStats(0, timeout);

    /// <summary>Asks for one port's counters and parses the reply.</summary>
    public TestPmdPortStats GetPortStats(int port, TimeSpan? timeout = null)
    {
        int offset = Output.Length;
        Send($"show port stats {port.ToString(CultureInfo.InvariantCulture)}");
        var m = WaitFor(StatsRegex(), timeout ?? TimeSpan.FromSeconds(30), offset);
        static long L(Group g) => long.Parse(g.Value, CultureInfo.InvariantCulture);
        return new TestPmdPortStats(L(m.Groups["rxp"]), L(m.Groups["rxb"]), L(m.Groups["txp"]), L(m.Groups["txb"]), L(m.Groups["miss"]), L(m.Groups["txe"]));
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;

    /// <summary>Asks testpmd to quit, then ends it by PID if it does not, and removes its runtime directory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    Send("stop");
                    Send("quit");
                }
                catch (IOException)
                {
                    // stdin already closed: the process is going away.
                }
                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5_000);
                }
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(Path.Combine("/var/run/dpdk", _prefix), recursive: true);
                foreach (var file in Directory.GetFiles("/dev/hugepages", _prefix + "*"))
                {
                    File.Delete(file);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5_000);
        }
    }

    // stop_packet_forwarding prints the forward statistics, then "Done." once every forwarding core has finished.
    [GeneratedRegex(@"^Done\.\s*$", RegexOptions.Multiline)]
    private static partial Regex StoppedRegex();

    [GeneratedRegex(@"HugePages_Free:\s+(\d+)")]
    private static partial Regex FreeHugepages();

    [GeneratedRegex(@"RX-packets:\s+(?<rxp>\d+)\s+RX-missed:\s+(?<miss>\d+)\s+RX-bytes:\s+(?<rxb>\d+)[\s\S]*?TX-packets:\s+(?<txp>\d+)\s+TX-errors:\s+(?<txe>\d+)\s+TX-bytes:\s+(?<txb>\d+)")]
    private static partial Regex StatsRegex();
}
