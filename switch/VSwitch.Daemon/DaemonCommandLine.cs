using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Native;
using VSwitch.Rpc;

namespace VSwitch.Daemon;

/// <summary>vswitchd's options (System.CommandLine), turned into <see cref="DaemonOptions"/>.</summary>
internal sealed class DaemonCommandLine
{
    private readonly Option<string?> _db = new("--db")
    {
        Description = $"Config DB (default: ${DaemonOptions.DbVariable}, else {DaemonOptions.DefaultDbPath}); created on the first change",
        HelpName = "PATH",
    };

    private readonly Option<string?> _runDir = new("--run-dir")
    {
        Description = $"Run directory for vswitchd.ctl and server sockets (default: ${RpcEndpoint.RunDirectoryVariable}, else {RpcEndpoint.DefaultRunDirectory})",
        HelpName = "DIR",
    };

    private readonly Option<int?> _pmdThreads = new("--pmd-threads") { Description = "Datapath threads (default: stored setting, else 1)", HelpName = "N" };

    private readonly Option<string?> _pmdCpus = new("--pmd-cpus") { Description = "Pin the datapath threads to these CPUs, e.g. 1 or 2-3", HelpName = "LIST" };

    private readonly Option<string?> _pmdMode = new("--pmd-mode")
    {
        Description = "adaptive (sleep when idle, the default) or busy (always poll)",
        HelpName = "MODE",
    };

    private readonly Option<bool> _pmdPerfMetrics = new("--pmd-perf-metrics")
    {
        Description = "Time the datapath stages (receive, pipeline, transmit, receive completion) of one batch in 64; pmd-stats shows ns/packet per stage",
    };

    private readonly Option<string> _poolHugePages = new("--pool-hugepages")
    {
        Description = "Packet buffer memory: thp (transparent huge pages, the default), hugetlb (reserved 2 MiB pages, then thp) " +
            "or off (heap); falls back to the heap when none are available",
        HelpName = "POLICY",
        DefaultValueFactory = _ => "thp",
    };

    private readonly Option<string> _logLevel = new("--log-level")
    {
        Description = "trace, debug, info, warning, error or critical",
        HelpName = "LEVEL",
        DefaultValueFactory = _ => "info",
    };

    private readonly Option<string?> _logFile = new("--log-file") { Description = "Also log to this file; SIGHUP reopens it (for logrotate)", HelpName = "PATH" };

    private readonly Option<bool> _detach = new("--detach") { Description = "Run in the background once the control socket listens" };

    private readonly Option<string?> _pidFile = new("--pidfile") { Description = "Write the process id here once ready (default with --detach: RUN_DIR/vswitchd.pid)", HelpName = "PATH" };

    private readonly Option<string> _ctlMode = new("--ctl-mode") { Description = "Octal mode of the control socket", HelpName = "MODE", DefaultValueFactory = _ => "0660" };

    private readonly Option<string?> _ctlOwner = new("--ctl-owner") { Description = "Owner (user or uid) of the control socket", HelpName = "USER" };

    private readonly Option<string?> _ctlGroup = new("--ctl-group") { Description = "Group (name or gid) of the control socket", HelpName = "GROUP" };

    private readonly Option<string?> _openFlowListen = new("--openflow-listen")
    {
        Description = "Also accept OpenFlow connections on TCP: ptcp:PORT[:IP] (IP defaults to 127.0.0.1; the management socket RUN_DIR/BRIDGE.mgmt is always there)",
        HelpName = "ptcp:PORT[:IP]",
    };

    private readonly Option<int?> _failOpenDelay = new("--fail-open-delay")
    {
        Description = "Seconds without a connected controller before a standalone bridge forwards NORMAL (default 15)",
        HelpName = "SECONDS",
    };

    private readonly Option<string?> _datapathId = new("--datapath-id")
    {
        Description = "OpenFlow datapath id of the bridge, 16 hex digits (OVS other-config:datapath-id; default: 0x0000 02 then a hash of the bridge name)",
        HelpName = "HEX",
    };

    /// <summary>Builds the root command; <paramref name="run"/> receives the resolved options.</summary>
    public RootCommand Create(Func<DaemonOptions, CancellationToken, Task<int>> run)
    {
        var root = new RootCommand(
            "vswitchd: the VSwitch daemon. Runs in the foreground until SIGTERM or SIGINT; SIGHUP reopens the log file. " +
            "A DB that exists but does not load is refused (exit 78) and left untouched.")
        {
            _db, _runDir, _pmdThreads, _pmdCpus, _pmdMode, _pmdPerfMetrics, _poolHugePages, _logLevel, _logFile, _detach, _pidFile, _ctlMode, _ctlOwner, _ctlGroup, _openFlowListen,
            _failOpenDelay, _datapathId,
        };
        _pmdThreads.Validators.Add(r => Check(r, r.GetValueOrDefault<int?>() is null or (>= 1 and <= SwitchSettings.MaxPmdThreads),
            $"--pmd-threads must be 1..{SwitchSettings.MaxPmdThreads}"));
        _pmdCpus.Validators.Add(r => Check(r, r.GetValueOrDefault<string?>() is not string s || CpuList.TryParse(s, out _, out _),
            "--pmd-cpus must be a CPU list such as 1 or 0,2-3"));
        _pmdMode.Validators.Add(r => Check(r, r.GetValueOrDefault<string?>() is null or "adaptive" or "busy", "--pmd-mode must be adaptive or busy"));
        _poolHugePages.Validators.Add(r => Check(r, TryHugePages(r.GetValueOrDefault<string>(), out _),
            "--pool-hugepages must be thp, hugetlb or off"));
        _logLevel.Validators.Add(r => Check(r, TryLevel(r.GetValueOrDefault<string>(), out _), "--log-level must be trace, debug, info, warning, error or critical"));
        _ctlMode.Validators.Add(r => Check(r, SocketPermissions.TryParseMode(r.GetValueOrDefault<string>(), out _), "--ctl-mode must be an octal mode such as 0660"));
        _openFlowListen.Validators.Add(r => Check(r, r.GetValueOrDefault<string?>() is not string s || TryPassiveTcp(s, out _),
            "--openflow-listen must be ptcp:PORT or ptcp:PORT:IP, e.g. ptcp:6653 or ptcp:6653:0.0.0.0"));
        _failOpenDelay.Validators.Add(r => Check(r, r.GetValueOrDefault<int?>() is not int d || d is >= 1 and <= 3600,
            "--fail-open-delay must be 1 to 3600 seconds"));
        _datapathId.Validators.Add(r => Check(r, r.GetValueOrDefault<string?>() is not string s || TryDatapathId(s, out _),
            "--datapath-id must be 1 to 16 hex digits, not all zero, e.g. 0000000000000001"));
        root.SetAction((parse, ct) => run(Resolve(parse), ct));
        return root;
    }

    private DaemonOptions Resolve(ParseResult parse)
    {
        string runDir = Path.GetFullPath(RpcEndpoint.ResolveRunDirectory(parse.GetValue(_runDir)));
        string db = parse.GetValue(_db) is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable(DaemonOptions.DbVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : DaemonOptions.DefaultDbPath;
        bool detach = parse.GetValue(_detach);
        string? pidFile = parse.GetValue(_pidFile) ?? (detach ? Path.Combine(runDir, "vswitchd.pid") : null);
        string? logFile = parse.GetValue(_logFile) ?? (detach ? Path.Combine(runDir, "vswitchd.log") : null);
        SocketPermissions.TryParseMode(parse.GetValue(_ctlMode)!, out UnixFileMode mode);
        TryLevel(parse.GetValue(_logLevel), out LogLevel level);
        TryHugePages(parse.GetValue(_poolHugePages), out HugePagePolicy hugePages);
        return new DaemonOptions(Path.GetFullPath(db), runDir, parse.GetValue(_pmdThreads), parse.GetValue(_pmdCpus),
            parse.GetValue(_pmdMode) is string m ? SettingsHandlers.ParseMode(m) : null, level,
            logFile is null ? null : Path.GetFullPath(logFile), detach, pidFile is null ? null : Path.GetFullPath(pidFile),
            new SocketPermissions(mode, parse.GetValue(_ctlOwner), parse.GetValue(_ctlGroup)), hugePages)
        {
            PmdPerfMetrics = parse.GetValue(_pmdPerfMetrics),
            FailOpenDelay = parse.GetValue(_failOpenDelay) is int delay ? TimeSpan.FromSeconds(delay) : DaemonOptions.DefaultFailOpenDelay,
            DatapathId = parse.GetValue(_datapathId) is string dpid && TryDatapathId(dpid, out ulong id) ? id : null,
            OpenFlowTcp = parse.GetValue(_openFlowListen) is string listen && TryPassiveTcp(listen, out System.Net.IPEndPoint? endPoint) ? endPoint : null,
        };
    }

    /// <summary>A datapath id as OVS takes it: hex digits (an optional 0x), at most 64 bits, not zero.</summary>
    internal static bool TryDatapathId(string text, out ulong id)
    {
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        id = 0;
        return digits.Length is >= 1 and <= 16
            && ulong.TryParse(digits, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out id)
            && id != 0;
    }

    /// <summary>OVS's passive TCP syntax, <c>ptcp:PORT[:IP]</c>; the address defaults to the loopback one.</summary>
    internal static bool TryPassiveTcp(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out System.Net.IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!text.StartsWith("ptcp:", StringComparison.Ordinal))
        {
            return false;
        }
        string rest = text[5..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        string port = colon < 0 ? rest : rest[..colon];
        System.Net.IPAddress address = System.Net.IPAddress.Loopback;
        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
            || n > 65535 || (colon >= 0 && !System.Net.IPAddress.TryParse(rest[(colon + 1)..].Trim('[', ']'), out address!)))
        {
            return false;
        }
        endPoint = new System.Net.IPEndPoint(address, n);
        return true;
    }

    private static bool TryHugePages(string? text, out HugePagePolicy policy)
    {
        policy = text switch
        {
            "hugetlb" => HugePagePolicy.HugeTlb,
            "off" => HugePagePolicy.Off,
            _ => HugePagePolicy.TransparentHugePages,
        };
        return text is "thp" or "hugetlb" or "off";
    }

    private static void Check(OptionResult result, bool ok, string message)
    {
        if (!ok)
        {
            result.AddError(message);
        }
    }

    private static bool TryLevel(string? text, out LogLevel level)
    {
        level = text switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Information,
            "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "critical" => LogLevel.Critical,
            _ => LogLevel.None,
        };
        return level != LogLevel.None;
    }
}
