using System.Diagnostics;
using Mono.Unix.Native;
using Xunit;

namespace VSwitch.Service.Tests;

/// <summary>
/// vswitchd started the way systemd starts the installed unit, on a private root instead of / so the machine's
/// /run and /var/lib stay untouched: the tmpfiles.d entries applied by the real systemd-tmpfiles (as at boot) with
/// /run rewritten to ROOT/run; RuntimeDirectory= and StateDirectory= created below ROOT/run and ROOT/lib with their
/// modes, owned by User= and Group=; the ExecStart= line of the unit with %t and %S standing for those roots; run as
/// User= and Group= (with the user's supplementary groups) under UMask=, in systemd's clean environment; its output
/// in a log file that $JOURNAL_STREAM names, as systemd names the journal's stream; readiness awaited on
/// $NOTIFY_SOCKET for Type=notify; ExecReload= run as given; stopped by SIGTERM with the unit's stop timeout.
/// Every process is handled by its own PID.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private readonly InstalledTree _tree;
    private readonly NotifySocket _notify;
    private Process? _process;
    private int _messagesBeforeStart;

    /// <summary>A service root below <paramref name="root"/> (which all users can traverse), with the tmpfiles.d entries applied.</summary>
    public ServiceProcess(InstalledTree tree, string root)
    {
        _tree = tree;
        Root = root;
        Unit = ServiceUnit.Load(tree.UnitFile);
        Assert.Equal("notify", Unit.Get("Type"));
        Directory.CreateDirectory(RuntimeRoot);
        Directory.CreateDirectory(StateRoot);
        ApplyTmpfiles();
        _notify = new NotifySocket(Path.Combine(root, "notify.sock"));
        LogFile = Path.Combine(root, "journal.log");
    }

    public ServiceUnit Unit { get; }

    public string Root { get; }

    /// <summary>What %t is for this service: ROOT/run.</summary>
    public string RuntimeRoot => Path.Combine(Root, "run");

    /// <summary>What %S is for this service: ROOT/lib.</summary>
    public string StateRoot => Path.Combine(Root, "lib");

    /// <summary>The run directory (RuntimeDirectory=).</summary>
    public string RunDir => Path.Combine(RuntimeRoot, Unit.Require("RuntimeDirectory"));

    /// <summary>The state directory (StateDirectory=).</summary>
    public string StateDir => Path.Combine(StateRoot, Unit.Require("StateDirectory"));

    /// <summary>What the service wrote to its journal stream.</summary>
    public string LogFile { get; }

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    public int Pid => _process?.Id ?? throw new InvalidOperationException("not running");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The sd_notify messages so far.</summary>
    public IReadOnlyList<string> Notifications => _notify.Messages;

    /// <summary>Starts the service and waits for READY=1; returns that message.</summary>
    public string Start()
    {
        Assert.False(IsRunning, "already running");
        string user = Unit.Require("User");
        string group = Unit.Require("Group");
        PrepareDirectory(RunDir, Unit.Require("RuntimeDirectoryMode"), user, group);
        PrepareDirectory(StateDir, Unit.Require("StateDirectoryMode"), user, group);
        IReadOnlyList<string> exec = Unit.CommandLine("ExecStart", RuntimeRoot, StateRoot);
        string umask = Unit.Require("UMask");
        var psi = new ProcessStartInfo("setpriv") { UseShellExecute = false };
        foreach (string a in (string[])["--reuid", user, "--regid", group, "--init-groups", "--", "/bin/sh", "-c",
            // The journal stream is the log file: $JOURNAL_STREAM carries its device and inode, as systemd's does.
            "umask \"$0\"; log=$1; shift; export JOURNAL_STREAM=$(stat -c %d:%i \"$log\"); exec \"$@\" >>\"$log\" 2>&1",
            umask, LogFile, .. exec])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Clear();
        psi.Environment["PATH"] = Command.ServicePath;
        psi.Environment["NOTIFY_SOCKET"] = _notify.Path;
        File.AppendAllText(LogFile, "");
        _messagesBeforeStart = _notify.Messages.Count;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start setpriv");
        Process p = _process;
        string? ready = _notify.WaitFor("READY=1", s_startTimeout, () => !p.HasExited, _messagesBeforeStart);
        if (ready is null)
        {
            Assert.Fail(p.HasExited
                ? $"vswitchd exited with {p.ExitCode} before READY=1:\n{Log}"
                : $"no READY=1 within {s_startTimeout.TotalSeconds} s:\n{Log}");
        }
        return ready!;
    }

    /// <summary>Runs ExecReload= (as systemctl reload would) and fails unless it exits 0.</summary>
    public void Reload()
    {
        IReadOnlyList<string> reload = Unit.CommandLine("ExecReload", RuntimeRoot, StateRoot, Pid);
        CommandResult r = Command.Run(reload[0], reload.Skip(1), cleanEnvironment: true);
        Assert.True(r.ExitCode == 0, "ExecReload failed: " + r);
    }

    /// <summary>SIGTERM (systemd's default KillSignal=) and wait up to TimeoutStopSec=; returns the exit code.</summary>
    public int Stop()
    {
        Process p = _process ?? throw new InvalidOperationException("not running");
        int skip = _notify.Messages.Count;
        Syscall.kill(p.Id, Signum.SIGTERM);
        var timeout = TimeSpan.FromSeconds(int.Parse(Unit.Require("TimeoutStopSec"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(p.WaitForExit(timeout), $"vswitchd did not stop within {timeout.TotalSeconds} s of SIGTERM:\n{Log}");
        p.WaitForExit();
        Assert.NotNull(_notify.WaitFor("STOPPING=1", TimeSpan.Zero, () => false, skip));
        _process = null;
        return p.ExitCode;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            Syscall.kill(p.Id, Signum.SIGKILL);
            p.WaitForExit(10_000);
        }
        _process?.Dispose();
        _notify.Dispose();
    }

    // systemd creates the directory if needed and gives it the mode and the owner on every start.
    private static void PrepareDirectory(string path, string mode, string user, string group)
    {
        Directory.CreateDirectory(path);
        Command.Check("chown", $"{user}:{group}", path);
        Command.Check("chmod", mode, path);
    }

    private void ApplyTmpfiles()
    {
        string rewritten = Path.Combine(Root, "vswitch-tmpfiles.conf");
        File.WriteAllLines(rewritten, File.ReadAllLines(_tree.TmpfilesFile)
            .Select(l => l.StartsWith("d /run/", StringComparison.Ordinal) ? "d " + RuntimeRoot + l[6..] : l));
        CommandResult r = Command.Run("systemd-tmpfiles", ["--create", rewritten]);
        Assert.True(r.ExitCode == 0 && r.Stderr.Length == 0, "systemd-tmpfiles: " + r);
    }
}
