using Microsoft.Extensions.Logging;
using VSwitch.Control.Runtime;
using VSwitch.OpenFlow;
using VSwitch.OpenFlow.Messages;

namespace VSwitch.Daemon.OpenFlow;

/// <summary>
/// Sends PORT_STATUS (ADD, DELETE, MODIFY) to the controllers when a port changes. It sleeps on the runtime's
/// <see cref="PortChangeSignal"/>, which the runtime notifies on add-port, del-port and set-port (whatever the door:
/// RPC, OpenFlow, the DB restore) and on every vhost-user session event (front-end connected or gone, rings started or
/// stopped); woken, it reads the ports' OpenFlow descriptions once and publishes the differences from the last read.
/// A slow safety read (<see cref="SafetyPoll"/>) covers what cannot signal: a tap interface's IFF_UP/IFF_RUNNING
/// changed by someone else (`ip link set down`, possibly inside another network namespace; the tap's flags are re-read
/// when its state is asked for), and a pcap port whose capture failed on a datapath thread (those threads only set the
/// port's state). Thread rules: one task of its own; it enters the control plane's gate through <c>ports</c>.
/// </summary>
internal sealed class PortStatusMonitor : IAsyncDisposable
{
    /// <summary>How often the descriptions are read without a notification.</summary>
    public static readonly TimeSpan SafetyPoll = TimeSpan.FromSeconds(2);

    private readonly PortChangeSignal _signal;
    private readonly Func<IReadOnlyList<OfpPort>> _ports;
    private readonly IOpenFlowEvents _events;
    private readonly TimeSpan _safetyPoll;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <summary>
    /// A monitor that publishes to <paramref name="events"/> the changes of the ports <paramref name="ports"/> describes
    /// (it takes the control plane's gate itself), woken by <paramref name="signal"/> or every <paramref name="safetyPoll"/>.
    /// </summary>
    public PortStatusMonitor(PortChangeSignal signal, Func<IReadOnlyList<OfpPort>> ports, IOpenFlowEvents events, TimeSpan safetyPoll,
        ILogger log)
    {
        _signal = signal;
        _ports = ports;
        _events = events;
        _safetyPoll = safetyPoll;
        _log = log;
    }

    /// <summary>Reads the ports now (the base later changes are compared with) and starts watching.</summary>
    public void Start()
    {
        Dictionary<uint, OfpPort> known = Index(_ports());
        _loop = Task.Run(() => WatchAsync(known, _stop.Token));
    }

    private async Task WatchAsync(Dictionary<uint, OfpPort> known, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                bool notified = await _signal.WaitAsync(_safetyPoll, stop).ConfigureAwait(false);
                Dictionary<uint, OfpPort> now = Index(_ports());
                int sent = PublishPortChanges(_events, known, now);
                known = now;
                if (sent > 0 && !notified)
                {
                    _log.LogDebug("PORT_STATUS: {Count} change(s) found by the safety read", sent);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Publishes PORT_STATUS for the differences between <paramref name="before"/> and <paramref name="now"/>; returns how many.</summary>
    private static int PublishPortChanges(IOpenFlowEvents events, Dictionary<uint, OfpPort> before, Dictionary<uint, OfpPort> now)
    {
        int sent = 0;
        foreach ((uint no, OfpPort port) in before)
        {
            if (!now.ContainsKey(no))
            {
                events.PublishPortStatus(PortStatusReason.Delete, port);
                sent++;
            }
        }
        foreach ((uint no, OfpPort port) in now)
        {
            if (!before.TryGetValue(no, out OfpPort? old))
            {
                events.PublishPortStatus(PortStatusReason.Add, port);
                sent++;
            }
            else if (old != port)
            {
                events.PublishPortStatus(PortStatusReason.Modify, port);
                sent++;
            }
        }
        return sent;
    }

    private static Dictionary<uint, OfpPort> Index(IReadOnlyList<OfpPort> ports) => ports.ToDictionary(p => p.PortNo);

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
