using System.Diagnostics;
using System.Text;
using Xunit;

namespace VSwitch.Daemon.Tests.Capture;

/// <summary>
/// A <c>vswitchctl capture</c> running in the background: its stderr is collected, it can be interrupted (SIGINT, as
/// Ctrl-C) or killed, always by its own PID. Disposing kills it if it still runs.
/// </summary>
public sealed class CaptureProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task<string> _stdout;

    private CaptureProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        _stdout = _process.StandardOutput.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static CaptureProcess Start(DaemonProcess d, params string[] args)
    {
        // Interrupt() is a SIGINT, which a test run started in the background would otherwise pass on as ignored.
        ProcessStartInfo start = Programs.Signalled(Programs.Ctl);
        foreach (string a in (string[])["--run-dir", d.RunDir, "capture", .. args])
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("VSWITCH_RUN_DIR");
        return new CaptureProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start vswitchctl"));
    }

    /// <summary>Waits until vswitchctl says the capture streams (it connected to the capture socket).</summary>
    public void WaitStreaming(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!Stderr.Contains("Ctrl-C to stop", StringComparison.Ordinal))
        {
            Assert.True(!_process.HasExited, "vswitchctl capture exited: " + Stderr);
            Assert.True(sw.Elapsed < timeout, "vswitchctl capture did not start streaming: " + Stderr);
            Thread.Sleep(50);
        }
    }

    /// <summary>Sends SIGINT (Ctrl-C).</summary>
    public void Interrupt() => Assert.Equal(0, Mono.Unix.Native.Syscall.kill(_process.Id, Mono.Unix.Native.Signum.SIGINT));

    /// <summary>Kills it (SIGKILL), as a user closing a terminal might.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Waits for the exit and returns (exit code, stdout, stderr).</summary>
    public CtlResult WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            Assert.Fail("vswitchctl capture did not end: " + Stderr);
        }
        _process.WaitForExit();
        return new CtlResult(_process.ExitCode, _stdout.GetAwaiter().GetResult(), Stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
