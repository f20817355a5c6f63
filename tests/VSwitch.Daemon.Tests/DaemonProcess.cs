using System.Diagnostics;
using System.Net.Sockets;
using Mono.Unix.Native;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests;

/// <summary>
/// A real vswitchd in its own temporary DB and run directory, started with <c>dotnet vswitchd.dll</c>. Stopped by
/// PID (SIGTERM, or SIGKILL for crash tests) with timeouts; the directory is removed on dispose.
/// </summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly string _root;
    private readonly string? _netns;
    private Process? _process;
    private readonly StringWriter _log = new();

    /// <summary>
    /// A daemon with its own DB and, unless <paramref name="runDir"/> names another, its own run directory; it runs in
    /// network namespace <paramref name="netns"/> when one is named (a host of its own: its tap interfaces and sockets are
    /// there), else in the test's.
    /// </summary>
    public DaemonProcess(string? runDir = null, string? netns = null)
    {
        _netns = netns;
        _root = Directory.CreateTempSubdirectory("vsc").FullName;
        DbPath = Path.Combine(_root, "db", "conf.json");
        RunDir = runDir ?? Path.Combine(_root, "run");
    }

    public string Root => _root;

    public string DbPath { get; }

    public string RunDir { get; }

    public string SocketPath => Path.Combine(RunDir, "vswitchd.ctl");

    public int Pid => _process?.Id ?? throw new InvalidOperationException("not started");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts vswitchd and waits until its control socket answers.</summary>
    public void Start(params string[] extra)
    {
        string[] threads = extra.Contains("--pmd-threads") ? [] : ["--pmd-threads", "1"];
        _process = Launch(["--db", DbPath, "--run-dir", RunDir, .. threads, .. extra]);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"vswitchd exited with {_process.ExitCode} while starting: {Log}");
            }
            if (Answers())
            {
                return;
            }
            Thread.Sleep(50);
        }
        Assert.Fail("vswitchd did not open its control socket within 30 s: " + Log);
    }

    /// <summary>Runs vswitchd to completion (for start-up failures); returns its exit code.</summary>
    public int RunToExit(params string[] extra)
    {
        using Process p = Launch(["--db", DbPath, "--run-dir", RunDir, .. extra]);
        Assert.True(p.WaitForExit(30_000), "vswitchd did not exit");
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>SIGKILL: no chance to clean up, as a crash.</summary>
    public void Kill()
    {
        Process p = _process ?? throw new InvalidOperationException("not started");
        Syscall.kill(p.Id, Signum.SIGKILL);
        Assert.True(p.WaitForExit(10_000), "vswitchd survived SIGKILL");
        _process = null;
    }

    /// <summary>SIGTERM and wait; returns the exit code.</summary>
    public int Terminate()
    {
        Process p = _process ?? throw new InvalidOperationException("not started");
        Syscall.kill(p.Id, Signum.SIGTERM);
        Assert.True(p.WaitForExit(15_000), "vswitchd did not stop on SIGTERM: " + Log);
        p.WaitForExit();
        _process = null;
        return p.ExitCode;
    }

    /// <summary>Runs vswitchctl against this daemon.</summary>
    public CtlResult Ctl(params string[] args) => Vswitchctl.Run(["--run-dir", RunDir, .. args]);

    /// <summary>
    /// Waits until every datapath thread has gone to sleep again after this call began (adaptive mode, the default
    /// here). A thread sleeps only after an iteration that found all its queues empty, so by then every batch it took
    /// earlier has been forwarded and counted on the receiving and the sending port: counters read afterwards are not
    /// caught between the two, however long the machine kept the thread off its CPU.
    /// </summary>
    public void WaitForDatapathRest(TimeSpan? timeout = null)
    {
        long[] before = SleepsPerThread();
        Eventually.True(() =>
        {
            long[] now = SleepsPerThread();
            return now.Length == before.Length && now.Select((n, i) => n > before[i]).All(b => b);
        }, "every datapath thread to sleep once more", timeout, () => Ctl("pmd-stats").Stdout);
    }

    private long[] SleepsPerThread() =>
        [.. Ctl("pmd-stats", "--json").Json().GetProperty("threads").EnumerateArray().Select(t => t.GetProperty("sleeps").GetInt64())];

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            Syscall.kill(p.Id, Signum.SIGKILL);
            p.WaitForExit(10_000);
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A socket being torn down a moment late; the OS temp cleaner gets it.
        }
    }

    private Process Launch(string[] args)
    {
        // The tests send it SIGTERM and SIGHUP, which must reach its handlers whatever the test run inherited.
        ProcessStartInfo start = Programs.Signalled(Programs.Daemon);
        start.RedirectStandardInput = false;
        if (_netns is not null)
        {
            // ip netns exec execs the program, so the process is still the daemon's and signals reach it.
            string[] inside = ["netns", "exec", _netns, start.FileName];
            for (int i = inside.Length - 1; i >= 0; i--)
            {
                start.ArgumentList.Insert(0, inside[i]);
            }
            start.FileName = "ip";
        }
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        var p = new Process { StartInfo = start };
        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }

    private bool Answers()
    {
        if (!File.Exists(SocketPath))
        {
            return false;
        }
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(SocketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
