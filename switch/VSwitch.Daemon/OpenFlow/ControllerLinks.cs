using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.Core.Time;
using VSwitch.OpenFlow.Connection;
using VSwitch.OpenFlow.Transport;

namespace VSwitch.Daemon.OpenFlow;

/// <summary>
/// The bridge's side of its controllers: one <see cref="ActiveController"/> per configured target (each reconnects
/// with back-off on its own), the fail mode, and a monitor that every <see cref="Tick"/> enters fail-open when the mode
/// is standalone, controllers are set and none has been connected for the fail-open delay (OVS: three probe intervals,
/// 15 s), and leaves it as soon as one connects. The tick reads one flag and a clock; it takes no gate.
/// (PORT_STATUS is sent by <see cref="PortStatusMonitor"/>, woken by the port changes themselves.)
/// The targets can be set before the hub exists (the DB is restored before the OpenFlow service starts); connections
/// start when <see cref="Attach"/> hands the hub over. Thread rules: <see cref="Configure"/> and <see cref="Report"/>
/// from the control plane (inside its gate); the monitor runs on its own task and enters the gate through the
/// callback it is given.
/// </summary>
internal sealed class ControllerLinks : IAsyncDisposable
{
    /// <summary>How often fail-open is checked.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly object _lock = new();
    private readonly ILogger _log;
    private readonly IClock _clock;
    private readonly TimeSpan _failOpenDelay;
    private readonly List<ActiveController> _links = [];
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<ControllerTarget> _targets = [];
    private FailMode _mode;
    private OpenFlowHub? _hub;
    private Task? _monitor;
    private long _lastConnectedMs;
    private volatile bool _failOpen;

    public ControllerLinks(IClock clock, TimeSpan failOpenDelay, ILogger log)
    {
        _clock = clock;
        _failOpenDelay = failOpenDelay;
        _log = log;
        _lastConnectedMs = clock.NowMilliseconds;
    }

    /// <summary>True while the bridge forwards NORMAL because its controllers are gone.</summary>
    public bool FailOpen => _failOpen;

    /// <summary>Replaces the targets (connections to targets kept are not touched) and the fail mode.</summary>
    public void Configure(IReadOnlyList<ControllerTarget> targets, FailMode mode)
    {
        lock (_lock)
        {
            if (_targets.Count == 0 && targets.Count > 0)
            {
                // Disconnected time counts from when there is something to be connected to.
                _lastConnectedMs = _clock.NowMilliseconds;
            }
            _targets = [.. targets];
            _mode = mode;
            Reconcile();
        }
    }

    /// <summary>The links now, in target order.</summary>
    public ControllerReport Report()
    {
        lock (_lock)
        {
            return new ControllerReport(_failOpen, [.. _links.Select(l => new ControllerLinkStatus(l.Info, l.Attempts))]);
        }
    }

    /// <summary>
    /// Starts connecting through <paramref name="hub"/> and monitoring. <paramref name="setFailOpen"/> applies the
    /// fail-open flag inside the control plane's gate.
    /// </summary>
    public void Attach(OpenFlowHub hub, Func<bool, CancellationToken, Task> setFailOpen)
    {
        lock (_lock)
        {
            _hub = hub;
            Reconcile();
        }
        _monitor = Task.Run(() => MonitorAsync(hub, setFailOpen, _stop.Token));
    }

    // Under _lock.
    private void Reconcile()
    {
        if (_hub is null)
        {
            return;
        }
        for (int i = _links.Count - 1; i >= 0; i--)
        {
            if (!_targets.Contains(_links[i].Target))
            {
                ActiveController gone = _links[i];
                _links.RemoveAt(i);
                _log.LogInformation("controller {Target}: removed", gone.Target);
                _ = CloseAsync(gone);
            }
        }
        var ordered = new List<ActiveController>(_targets.Count);
        foreach (ControllerTarget t in _targets)
        {
            ActiveController? link = _links.Find(l => l.Target == t);
            if (link is null)
            {
                link = new ActiveController(_hub, t);
                link.Start();
                _log.LogInformation("controller {Target}: connecting", t);
            }
            ordered.Add(link);
        }
        _links.Clear();
        _links.AddRange(ordered);
    }

    private async Task CloseAsync(ActiveController link)
    {
        try
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            _log.LogWarning("controller {Target}: close failed: {Reason}", link.Target, e.Message);
        }
    }

    private async Task MonitorAsync(OpenFlowHub hub, Func<bool, CancellationToken, Task> setFailOpen, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await CheckFailOpenAsync(hub, setFailOpen, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task CheckFailOpenAsync(OpenFlowHub hub, Func<bool, CancellationToken, Task> setFailOpen, CancellationToken stop)
    {
        bool want;
        long now = _clock.NowMilliseconds;
        lock (_lock)
        {
            bool connected = hub.IsControllerConnected;
            if (connected)
            {
                _lastConnectedMs = now;
            }
            want = _mode == FailMode.Standalone && _targets.Count > 0 && !connected && now - _lastConnectedMs >= (long)_failOpenDelay.TotalMilliseconds;
        }
        if (want != _failOpen)
        {
            await setFailOpen(want, stop).ConfigureAwait(false);
            _failOpen = want;
            if (want)
            {
                _log.LogWarning("fail-open: no controller connected for {Seconds} s; forwarding NORMAL until one connects",
                    (int)_failOpenDelay.TotalSeconds);
            }
            else
            {
                _log.LogInformation("fail-open ended: the flow tables apply again");
            }
        }
    }

    /// <summary>Stops monitoring and closes every controller connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_monitor is not null)
        {
            await _monitor.ConfigureAwait(false);
        }
        ActiveController[] links;
        lock (_lock)
        {
            links = [.. _links];
            _links.Clear();
        }
        foreach (ActiveController l in links)
        {
            await CloseAsync(l).ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
