using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Rpc;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Memory;
using VSwitch.Control.Store;
using VSwitch.Core.Packets;
using VSwitch.Core.Time;
using VSwitch.Daemon.Logging;
using VSwitch.Daemon.OpenFlow;
using VSwitch.Daemon.Ports;
using VSwitch.Daemon.Systemd;
using VSwitch.Native;
using VSwitch.Rpc;

namespace VSwitch.Daemon;

/// <summary>
/// The composition root: opens and restores the DB, builds the runtime (ports, datapath, threads), the control plane
/// and the control socket, then runs until SIGTERM or SIGINT and shuts everything down in reverse order.
/// Exit codes: 0 after a clean stop, 1 when it cannot start (DB or socket in use, OS error), 78 (EX_CONFIG) when the
/// DB exists but is corrupt (it is left untouched).
/// </summary>
internal static class Vswitchd
{
    /// <summary>EX_CONFIG from sysexits.h.</summary>
    public const int ExitCorruptConfig = 78;

    public static async Task<int> RunAsync(DaemonOptions o, string[] args)
    {
        if (o.Detach && !Detach.IsChild)
        {
            return Detach.StartChild(args, o.PidFile!, o.LogFile, TimeSpan.FromSeconds(30));
        }
        if (Detach.IsChild)
        {
            // A new session, so the terminal's hangup and job control no longer reach the daemon.
            _ = Libc.setsid();
        }
        FileLoggerProvider? file = o.LogFile is null ? null : new FileLoggerProvider(o.LogFile, o.LogLevel);
        bool journal = JournalStream.IsStandardOutput();
        using ILoggerFactory loggers = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(o.LogLevel);
            if (journal)
            {
                // Under systemd: "<N>" priority prefixes the journal keeps as the level; it adds the timestamps itself.
                b.AddSystemdConsole();
            }
            else
            {
                b.AddSimpleConsole(c =>
                {
                    c.SingleLine = true;
                    c.UseUtcTimestamp = true;
                    c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                });
            }
            if (file is not null)
            {
                b.AddProvider(file);
            }
        });
        ILogger log = loggers.CreateLogger("vswitchd");
        using ServiceNotifier notifier = ServiceNotifier.FromEnvironment(log);
        try
        {
            return await RunAsync(o, loggers, log, file, notifier).ConfigureAwait(false);
        }
        catch (CorruptConfigException e)
        {
            log.LogCritical("{Problem}; refusing to start. The file is left as it is: fix it, or move it away to start with the default configuration.", e.Message);
            return ExitCorruptConfig;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ControlException)
        {
            log.LogCritical("cannot start: {Reason}", e.Message);
            return 1;
        }
    }

    private static async Task<int> RunAsync(DaemonOptions o, ILoggerFactory loggers, ILogger log, FileLoggerProvider? file,
        ServiceNotifier notifier)
    {
        // Signals first: one that arrives while starting must not take the default action (ending the process mid-way).
        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, stop, log));
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, stop, log));
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            file?.Reopen();
            log.LogInformation("SIGHUP: log file reopened");
        });
        Directory.CreateDirectory(o.RunDirectory,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        using ConfigStore store = ConfigStore.Open(o.DbPath);
        SwitchConfig config = store.Load();
        log.LogInformation("config DB {Path}: {Ports} ports, {Flows} flows{Default}", o.DbPath, config.Ports.Length, config.Flows.Length,
            File.Exists(o.DbPath) ? "" : " (no DB yet: default configuration)");
        SwitchSettings settings = o.Override(config.Settings);
        if (settings != config.Settings)
        {
            config = config with { Settings = settings };
            store.Save(config);
        }

        // Before the first pool: every packet pool of this process (datapath threads, port queues) takes its slab here.
        PacketSlabAllocator.Default = new HugePageSlabAllocator(o.PoolHugePages, loggers.CreateLogger("memory"));
        log.LogInformation("packet pools: --pool-hugepages {Policy}; transparent huge pages {Thp}; hugetlb 2 MiB pages free {Free}",
            HugePageSlabAllocator.Describe(o.PoolHugePages), HugePageMemory.TransparentHugePageMode() ?? "unavailable", HugePageMemory.FreeHugeTlbPages()?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown");

        var types = new PortTypeRegistry();
        types.Register(new VhostUserPortType(clientMode: false, loggers));
        types.Register(new VhostUserPortType(clientMode: true, loggers));
        types.Register(new PcapPortType(loggers));
        types.Register(new TapPortType(loggers));
        // A transmit queue per datapath thread and one for the control thread's packet-out (SwitchRuntime.PacketOut).
        types.Register(new VxlanPortType(loggers, settings.PmdThreads + 1));
        using var runtime = new SwitchRuntime(types, settings, MonotonicClock.Instance, loggers.CreateLogger("datapath"), o.RunDirectory,
            o.ControlSocket, o.FailOpenDelay);
        if (o.PmdPerfMetrics)
        {
            runtime.SetStageSampling(DaemonOptions.PerfMetricsInterval);
        }
        var control = new ControlPlane(config, store, runtime, types, new PortTypeContext(o.RunDirectory), MonotonicClock.Instance,
            loggers.CreateLogger("control"));
        RpcDispatcher dispatcher = ControlMethods.CreateDispatcher(control);
        await using var server = new RpcServer(RpcEndpoint.SocketPath(o.RunDirectory), o.ControlSocket, dispatcher,
            loggers.CreateLogger("rpc"));
        // The control socket claims the run directory before any port socket is created there (a second daemon on the
        // same run directory stops here), and requests wait in the dispatcher's gate until the restore is complete.
        await dispatcher.RunExclusiveAsync(() =>
        {
            server.Start();
            control.Restore();
        }, CancellationToken.None).ConfigureAwait(false);
        runtime.Start();
        // OpenFlow after the restore: a client's first dump-flows sees the stored flows.
        OpenFlowService openFlow = OpenFlowService.Start(control, dispatcher, o, loggers);
        // Controllers (stored targets were handed over by the restore) connect now that the hub exists; PACKET_INs flow
        // from the datapath rings to it; SEND_FLOW_REM flows that expire or that vswitchctl deletes are reported.
        control.FlowsRemoved += openFlow.Switch.Removed;
        using var packetIns = new PacketInPump(runtime.Datapath, openFlow.Hub, loggers.CreateLogger("openflow"));
        packetIns.Start();
        runtime.Links.Attach(openFlow.Hub, (failOpen, ct) => dispatcher.RunExclusiveAsync(() => runtime.SetFailOpen(failOpen), ct));
        // PORT_STATUS: woken by the runtime's port changes, with a slow read for what cannot signal.
        var portStatus = new PortStatusMonitor(runtime.PortChanges, openFlow.Switch.GetPorts, openFlow.Hub, PortStatusMonitor.SafetyPoll,
            loggers.CreateLogger("openflow"));
        portStatus.Start();

        if (o.PidFile is not null)
        {
            PidFile.Write(o.PidFile);
        }
        log.LogInformation("vswitchd ready: bridge {Bridge}, {Threads} datapath threads ({Mode}), run directory {RunDir}", config.Bridge,
            settings.PmdThreads, SettingsHandlers.ModeName(settings.PmdMode), o.RunDirectory);
        notifier.Ready($"bridge {config.Bridge}, {config.Ports.Length} ports, run directory {o.RunDirectory}");

        await HousekeepAsync(dispatcher, control, runtime, log, stop.Token).ConfigureAwait(false);

        log.LogInformation("stopping");
        notifier.Stopping();
        await portStatus.DisposeAsync().ConfigureAwait(false);
        await runtime.Links.DisposeAsync().ConfigureAwait(false);
        packetIns.Dispose();
        await openFlow.DisposeAsync().ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
        runtime.Dispose();
        if (o.PidFile is not null)
        {
            PidFile.Remove(o.PidFile);
        }
        log.LogInformation("stopped");
        return 0;
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop, ILogger log)
    {
        context.Cancel = true;
        log.LogInformation("{Signal}: stopping", context.Signal);
        stop.Cancel();
    }

    /// <summary>Once a second, inside the dispatcher's gate: expire timed-out flows and aged MAC entries.</summary>
    private static async Task HousekeepAsync(RpcDispatcher dispatcher, ControlPlane control, SwitchRuntime runtime, ILogger log,
        CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await dispatcher.RunExclusiveAsync(() =>
                    {
                        control.ExpireFlows();
                        runtime.Housekeeping();
                    }, stop).ConfigureAwait(false);
                }
                catch (ControlException e)
                {
                    log.LogError("housekeeping failed: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or SIGINT.
        }
    }
}
