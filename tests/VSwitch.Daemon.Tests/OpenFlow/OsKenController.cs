using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VSwitch.TestKit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>
/// A real OpenFlow 1.3 controller: <c>osken-manager</c> (Debian python3-os-ken) running one of the apps in
/// <c>OpenFlow/apps</c> (or an app given by its full path, with options of its own), listening on a loopback port of its
/// own. The apps print one "EVENT ..." line per event on stdout; they are collected here. Ended by its own PID on
/// <see cref="Stop"/> or dispose.
/// </summary>
internal sealed class OsKenController : IDisposable
{
    private readonly List<string> _events = [];
    private readonly List<string> _output = [];
    private readonly string _app;
    private readonly string[] _options;
    private Process? _process;

    /// <summary>
    /// A controller running <paramref name="app"/> (a file in OpenFlow/apps, or a full path), with
    /// <paramref name="options"/> given to osken-manager before it.
    /// </summary>
    public OsKenController(string app, int? port = null, params string[] options)
    {
        Prerequisite.Require(Prerequisite.FindOnPath("osken-manager") is not null, "osken-manager (Debian python3-os-ken) is missing");
        _app = Path.Combine(AppContext.BaseDirectory, "OpenFlow", "apps", app);
        _options = options;
        Port = port ?? FreePort();
    }

    /// <summary>The TCP port it listens on.</summary>
    public int Port { get; }

    /// <summary>The target for vswitchctl set-controller.</summary>
    public string Target => $"tcp:127.0.0.1:{Port}";

    /// <summary>The events printed so far (a copy).</summary>
    public List<string> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>All it printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts it and waits (with a deadline) until it listens.</summary>
    public void Start()
    {
        var info = new ProcessStartInfo("osken-manager")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in (string[])["--ofp-listen-host", "127.0.0.1", "--ofp-tcp-listen-port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. _options, _app])
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["PYTHONUNBUFFERED"] = "1";
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Eventually.True(() => _process.HasExited || Listens(), $"osken-manager to listen on {Port}", TimeSpan.FromSeconds(60), () => Output);
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"osken-manager ended at start: {Output}");
        }
    }

    /// <summary>Waits (with a deadline) for an event line containing every one of <paramref name="words"/>.</summary>
    public string WaitFor(TimeSpan timeout, params string[] words)
    {
        string? found = null;
        Eventually.True(() => (found = Events.Find(e => words.All(w => e.Contains(w, StringComparison.Ordinal)))) is not null,
            "controller event with " + string.Join(' ', words), timeout, () => Output);
        return found!;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end by itself (an app that stops the manager when done).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        Process p = _process ?? throw new InvalidOperationException("not started");
        if (!p.WaitForExit(timeout))
        {
            return false;
        }
        p.WaitForExit(); // the last output lines
        return true;
    }

    /// <summary>Ends the process by its PID and waits for it.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Add(line);
        }
        int at = line.IndexOf("EVENT ", StringComparison.Ordinal);
        if (at >= 0)
        {
            lock (_events)
            {
                _events.Add(line[(at + 6)..]);
            }
        }
    }

    private bool Listens()
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
