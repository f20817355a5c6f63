using System.Diagnostics;
using System.Text;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>
/// <c>ovs-ofctl -O OpenFlow13 monitor</c> on a vswitchd's management socket, in the background: it prints every
/// asynchronous message the switch sends it (PACKET_IN among them) with ovs-ofctl's own decoding, which the test reads.
/// Its unixctl socket lives in the daemon's directory (ovs-ofctl would otherwise want /var/run/openvswitch). Disposing
/// kills it by its own PID.
/// </summary>
internal sealed class OvsOfctlMonitor : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public OvsOfctlMonitor(DaemonProcess daemon, OvsOfctl of)
    {
        var start = new ProcessStartInfo(Prerequisite.FindOnPath("ovs-ofctl")!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["-O", "OpenFlow13", $"--unixctl={Path.Combine(daemon.Root, "ofctl-monitor.ctl")}", "monitor",
            "unix:" + of.SocketPath])
        {
            start.ArgumentList.Add(a);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start ovs-ofctl monitor");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything it printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="send"/> until a line that satisfies <paramref name="wanted"/> has been printed, and
    /// returns that line. Repeating the trigger covers the time ovs-ofctl takes to connect (a packet-in sent before
    /// that goes nowhere); each round waits up to 2 s for the line.
    /// </summary>
    public string WaitForLine(Func<string, bool> wanted, Action send, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_process.HasExited, "ovs-ofctl monitor exited: " + Output);
            send();
            var round = Stopwatch.StartNew();
            while (round.Elapsed < TimeSpan.FromSeconds(2))
            {
                string? line = Output.Split('\n').FirstOrDefault(wanted);
                if (line is not null)
                {
                    return line;
                }
                Thread.Sleep(50);
            }
            Assert.True(clock.Elapsed < timeout, $"ovs-ofctl monitor printed no such line within {timeout.TotalSeconds} s:\n{Output}");
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
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
