using System.Diagnostics;
using System.Text;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// One running test guest: a QEMU process whose serial console is read line by line and whose <c>VSRESULT</c> lines
/// are parsed as they arrive. The process is bounded by <see cref="GuestOptions.Timeout"/> and ended by its own PID
/// (never by name). Console capture runs on the process's reader threads; every public member is thread-safe.
/// </summary>
public sealed class QemuGuest : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _clock;
    private readonly object _gate = new();
    private readonly StringBuilder _console = new();
    private readonly List<GuestResult> _results = [];
    private readonly Timer _deadline;
    private int _streamsOpen = 2;
    private bool _disposed;

    private QemuGuest(GuestOptions options, Process process, Stopwatch clock, string commandLine)
    {
        Options = options;
        _process = process;
        _clock = clock;
        CommandLine = commandLine;
        Pid = process.Id;
        _deadline = new Timer(_ => Expire(), null, options.Timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The options the guest was started with.</summary>
    public GuestOptions Options { get; }

    /// <summary>The guest's name.</summary>
    public string Name => Options.Name;

    /// <summary>The QEMU process id (taskset, when used, replaces itself with QEMU, so this is QEMU's own PID).</summary>
    public int Pid { get; }

    /// <summary>The full command line, for test logs.</summary>
    public string CommandLine { get; }

    /// <summary>True when the guest was killed for running past its timeout.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>True once QEMU has exited and its console has been read to the end.</summary>
    public bool HasExited
    {
        get
        {
            lock (_gate)
            {
                return _streamsOpen == 0 && _process.HasExited;
            }
        }
    }

    /// <summary>Everything QEMU printed so far: the guest's serial console and QEMU's own messages.</summary>
    public string Console
    {
        get
        {
            lock (_gate)
            {
                return _console.ToString();
            }
        }
    }

    /// <summary>The result lines read so far, in order.</summary>
    public IReadOnlyList<GuestResult> Results
    {
        get
        {
            lock (_gate)
            {
                return [.. _results];
            }
        }
    }

    /// <summary>Starts QEMU with <paramref name="options"/> booting <paramref name="image"/>.</summary>
    public static QemuGuest Start(GuestImage image, GuestOptions options)
    {
        IReadOnlyList<string> args = QemuCommandLine.Build(image, options);
        var psi = new ProcessStartInfo(args[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        for (int i = 1; i < args.Count; i++)
        {
            psi.ArgumentList.Add(args[i]);
        }
        var clock = Stopwatch.StartNew();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + args[0]);
        var guest = new QemuGuest(options, process, clock, string.Join(' ', args));
        process.OutputDataReceived += (_, e) => guest.OnLine(e.Data, "");
        process.ErrorDataReceived += (_, e) => guest.OnLine(e.Data, "qemu: ");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return guest;
    }

    /// <summary>The results reporting <paramref name="fact"/>, in order.</summary>
    public IReadOnlyList<GuestResult> ResultsOf(string fact)
    {
        lock (_gate)
        {
            return _results.FindAll(r => r.Fact == fact);
        }
    }

    /// <summary>
    /// Waits for the <paramref name="occurrence"/>-th (from 1) line reporting <paramref name="fact"/>. Throws with the
    /// console's tail when the guest exits or the timeout passes first.
    /// </summary>
    public GuestResult WaitForResult(string fact, TimeSpan timeout, int occurrence = 1)
    {
        var deadline = Stopwatch.StartNew();
        lock (_gate)
        {
            while (true)
            {
                int seen = 0;
                foreach (var r in _results)
                {
                    if (r.Fact == fact && ++seen == occurrence)
                    {
                        return r;
                    }
                }
                if (_streamsOpen == 0)
                {
                    throw new InvalidOperationException($"guest {Name} ended before '{fact}' #{occurrence}{(TimedOut ? " (killed at its timeout)" : "")}.\n{Tail()}");
                }
                TimeSpan left = timeout - deadline.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"guest {Name} printed no '{fact}' #{occurrence} within {timeout.TotalSeconds} s.\n{Tail()}");
                }
                Monitor.Wait(_gate, left);
            }
        }
    }

    /// <summary>
    /// Lets a guest waiting in its <c>hold</c> role go on: writes a line to its serial console. A line written before
    /// the guest holds is kept by the guest's tty and releases the next hold at once.
    /// </summary>
    public void Resume()
    {
        _process.StandardInput.WriteLine();
        _process.StandardInput.Flush();
    }

    /// <summary>Waits until QEMU exits (the guest powers off after its last role); false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        _process.WaitForExit();
        return true;
    }

    /// <summary>Kills QEMU by its PID if it still runs and waits for it; the guest's console stays readable.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _deadline.Dispose();
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // The process ended (or was released by Dispose) between the check and the kill.
        }
    }

    private void Expire()
    {
        TimedOut = true;
        Kill();
    }

    private void OnLine(string? line, string prefix)
    {
        lock (_gate)
        {
            if (line is null)
            {
                _streamsOpen--;
            }
            else
            {
                _console.Append(prefix).AppendLine(line);
                if (prefix.Length == 0 && GuestResult.TryParse(line, _clock.Elapsed, out GuestResult? result))
                {
                    _results.Add(result!);
                }
            }
            Monitor.PulseAll(_gate);
        }
    }

    private string Tail()
    {
        string text = _console.ToString();
        return text.Length > 4000 ? text[^4000..] : text;
    }
}
