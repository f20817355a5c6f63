using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using VSwitch.OpenFlow.Connection;
using VSwitch.OpenFlow.Messages;

namespace VSwitch.OpenFlow.Transport;

/// <summary>
/// The switch's connection to one controller: connect, run the OpenFlow connection, and on any end wait and try
/// again, the wait starting at <see cref="OpenFlowOptions.MinBackoff"/> and doubling to
/// <see cref="OpenFlowOptions.MaxBackoff"/> (1 s to 8 s, as OVS's rconn), back to the start after a connection
/// that completed its handshake. Ownership: its connection task. Thread rules: <see cref="Start"/> and
/// <see cref="DisposeAsync"/> from one thread; <see cref="Info"/> from any.
/// </summary>
public sealed class ActiveController : IAsyncDisposable
{
    private readonly OpenFlowHub _hub;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;
    private OfpConnection? _current;
    private ConnectionState _state = ConnectionState.Backoff;
    private string? _lastError;
    private int _attempts;

    /// <summary>Creates the controller link; nothing happens until <see cref="Start"/>.</summary>
    public ActiveController(OpenFlowHub hub, ControllerTarget target)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(target);
        _hub = hub;
        Target = target;
        _logger = hub.Loggers.CreateLogger("VSwitch.OpenFlow");
    }

    /// <summary>Where it connects.</summary>
    public ControllerTarget Target { get; }

    /// <summary>Connection attempts so far.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>The link's state, role and counters now.</summary>
    public OfpConnectionInfo Info
    {
        get
        {
            OfpConnection? c = Volatile.Read(ref _current);
            return c is not null && c.State != ConnectionState.Closed
                ? c.Info with { LastError = _lastError }
                : new OfpConnectionInfo(Target.ToString(), ConnectionKind.Active, _state, ControllerRole.Equal, 0, 0, 0, 0, 0, _lastError);
        }
    }

    /// <summary>Starts connecting.</summary>
    public void Start() => _run ??= Task.Run(RunAsync);

    private async Task RunAsync()
    {
        TimeSpan backoff = _hub.Options.MinBackoff;
        while (!_stop.IsCancellationRequested)
        {
            bool handshaken = await ConnectOnceAsync().ConfigureAwait(false);
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            backoff = handshaken ? _hub.Options.MinBackoff : backoff;
            _state = ConnectionState.Backoff;
            try
            {
                await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _hub.Options.MaxBackoff.Ticks));
        }
    }

    // One connection: returns true when it got past HELLO (so the next wait starts from the minimum again).
    private async Task<bool> ConnectOnceAsync()
    {
        Interlocked.Increment(ref _attempts);
        _state = ConnectionState.Connecting;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(_hub.Options.ConnectTimeout);
            await socket.ConnectAsync(Target.Host, Target.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException)
        {
            socket.Dispose();
            _lastError = e is OperationCanceledException ? "connect timed out" : e.Message;
            _logger.LogDebug("openflow {Target}: connect failed: {Reason}", Target, _lastError);
            return false;
        }
        OfpConnection connection = _hub.CreateConnection(new NetworkStream(socket, ownsSocket: true), Target.ToString(), ConnectionKind.Active);
        Volatile.Write(ref _current, connection);
        await connection.RunAsync(_stop.Token).ConfigureAwait(false);
        _lastError = connection.CloseReason;
        return connection.Info.MessagesReceived > 0 && connection.CloseReason != "no common OpenFlow version";
    }

    /// <summary>Closes the connection and stops reconnecting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
