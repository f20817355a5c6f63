using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Native;

namespace VSwitch.Daemon;

/// <summary>vswitchd's command line, resolved (defaults and environment applied). Immutable.</summary>
/// <param name="DbPath">The config DB.</param>
/// <param name="RunDirectory">Where the control socket and server-mode vhost-user sockets live.</param>
/// <param name="PmdThreads">Datapath threads, or null to keep the stored setting.</param>
/// <param name="PmdCpus">CPU list to pin datapath threads to, or null to keep the stored setting.</param>
/// <param name="PmdMode">Idle behaviour, or null to keep the stored setting.</param>
/// <param name="LogLevel">Least severe level logged.</param>
/// <param name="LogFile">Log file (reopened on SIGHUP), or null for the console only.</param>
/// <param name="Detach">Run in the background.</param>
/// <param name="PidFile">Where to write the process id once the control socket listens, or null.</param>
/// <param name="ControlSocket">Permissions of the control socket.</param>
/// <param name="PoolHugePages">Which huge pages packet pools try (a process-wide choice, fixed at start).</param>
internal sealed record DaemonOptions(string DbPath, string RunDirectory, int? PmdThreads, string? PmdCpus, PmdMode? PmdMode,
    LogLevel LogLevel, string? LogFile, bool Detach, string? PidFile, SocketPermissions ControlSocket,
    HugePagePolicy PoolHugePages = HugePagePolicy.TransparentHugePages)
{
    /// <summary>The OpenFlow datapath id (<c>--datapath-id HEX</c>), or null for the one derived from the bridge name.</summary>
    public ulong? DatapathId { get; init; }

    /// <summary>Where a passive OpenFlow TCP listener binds (<c>--openflow-listen ptcp:PORT[:IP]</c>), or null for none.</summary>
    public System.Net.IPEndPoint? OpenFlowTcp { get; init; }

    /// <summary>
    /// Standalone fail mode: how long no controller may be connected before the bridge forwards NORMAL
    /// (<c>--fail-open-delay SECONDS</c>; OVS's three inactivity probes of 5 s).
    /// </summary>
    public TimeSpan FailOpenDelay { get; init; } = DefaultFailOpenDelay;

    /// <summary>15 s.</summary>
    public static readonly TimeSpan DefaultFailOpenDelay = TimeSpan.FromSeconds(15);

    /// <summary>Time the datapath stages of one received batch in <see cref="PerfMetricsInterval"/> (pmd-stats shows them).</summary>
    public bool PmdPerfMetrics { get; init; }

    /// <summary>With <see cref="PmdPerfMetrics"/>: one batch in this many is timed stage by stage (five clock reads).</summary>
    public const int PerfMetricsInterval = 64;

    /// <summary>The DB when neither --db nor VSWITCH_DB names one.</summary>
    public const string DefaultDbPath = "/var/lib/vswitch/conf.json";

    /// <summary>Environment variable naming the DB.</summary>
    public const string DbVariable = "VSWITCH_DB";

    /// <summary>Applies the command line's PMD options over the stored settings.</summary>
    public SwitchSettings Override(SwitchSettings stored) => stored with
    {
        PmdThreads = PmdThreads ?? stored.PmdThreads,
        PmdCpus = PmdCpus ?? stored.PmdCpus,
        PmdMode = PmdMode ?? stored.PmdMode,
    };
}
