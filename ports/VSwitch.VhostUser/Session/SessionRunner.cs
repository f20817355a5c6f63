using Microsoft.Extensions.Logging;
using VSwitch.VhostUser.Transport;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// The session thread of one port: in server mode it listens and serves one front-end at a time (the next one waits
/// in the backlog until the current one leaves); in client mode it connects, retrying every
/// <see cref="VhostUserPortOptions.ReconnectInterval"/>, and reconnects after every disconnect. Each connection is
/// handed to <see cref="BackendSession.Serve"/>. Blocking socket I/O with short poll timeouts, so
/// <see cref="Dispose"/> (any thread) stops it within a fraction of a second.
/// </summary>
internal sealed class SessionRunner : IDisposable
{
    private const int AcceptPollMs = 200;
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    private readonly VhostUserPortOptions _options;
    private readonly BackendSession _session;
    private readonly ILogger _logger;
    private readonly Action<VhostUserPortEventKind, int> _notify;
    private readonly Thread _thread;
    private UnixConnection? _connection;
    private volatile bool _stopping;
    private volatile bool _connected;
    private int _connectCount;

    public SessionRunner(VhostUserPortOptions options, BackendSession session, ILogger logger, Action<VhostUserPortEventKind, int> notify)
    {
        _options = options;
        _session = session;
        _logger = logger;
        _notify = notify;
        _thread = new Thread(Run) { IsBackground = true, Name = "vhost-user " + options.Name };
    }

    /// <summary>True while a front-end is connected.</summary>
    public bool IsConnected => _connected;

    /// <summary>True once <see cref="Start"/> ran and until <see cref="Dispose"/>.</summary>
    public bool IsStarted { get; private set; }

    /// <summary>True when the session thread is not running (never started, or ended).</summary>
    public bool HasEnded => !_thread.IsAlive;

    /// <summary>Connections so far.</summary>
    public int ConnectCount => Volatile.Read(ref _connectCount);

    /// <summary>Starts the thread.</summary>
    public void Start()
    {
        IsStarted = true;
        _thread.Start();
    }

    private void Run()
    {
        UnixListener? listener = null;
        try
        {
            while (!_stopping)
            {
                try
                {
                    UnixConnection? connection = _options.Mode == VhostUserMode.Server
                        ? Accept(ref listener)
                        : Connect();
                    if (connection is not null)
                    {
                        Serve(connection);
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Whatever failed, it costs this port a pause, never the process: the other ports keep forwarding.
                    VhostUserLog.SessionFailed(_logger, _options.Name, ex);
                    Pause(_options.ReconnectInterval);
                }
            }
        }
        finally
        {
            listener?.Dispose();
        }
    }

    private UnixConnection? Accept(ref UnixListener? listener)
    {
        if (listener is null)
        {
            try
            {
                listener = UnixListener.Create(_options.SocketPath, (uint)_options.SocketMode, _options.SocketOwner, _options.SocketGroup);
                VhostUserLog.Listening(_logger, _options.Name, _options.SocketPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // E.g. the run directory does not exist yet: keep trying, the port stays Waiting.
                VhostUserLog.ListenFailed(_logger, _options.Name, _options.SocketPath, ex);
                Pause(_options.ReconnectInterval);
                return null;
            }
        }
        return listener.TryAccept(AcceptPollMs);
    }

    private UnixConnection? Connect()
    {
        UnixConnection? connection = UnixConnector.TryConnect(_options.SocketPath);
        if (connection is null)
        {
            VhostUserLog.ConnectRetry(_logger, _options.Name, _options.SocketPath);
            Pause(_options.ReconnectInterval);
        }
        return connection;
    }

    private void Serve(UnixConnection connection)
    {
        Volatile.Write(ref _connection, connection);
        int count = Interlocked.Increment(ref _connectCount);
        _connected = true;
        try
        {
            VhostUserLog.Connected(_logger, _options.Name, _options.Mode, _options.SocketPath, count);
            _notify(VhostUserPortEventKind.Connected, -1);
            _session.Serve(connection, () => _stopping);
        }
        finally
        {
            _connected = false;
            Volatile.Write(ref _connection, null);
            connection.Dispose();
        }
        if ((_options.Mode == VhostUserMode.Client || _session.Failure is not null) && !_stopping)
        {
            // Do not hammer a front-end that accepts and drops at once; and give one that was cut off for harming the
            // port (see BackendSession.Failure) no immediate second try, in either mode.
            Pause(_options.ReconnectInterval);
        }
    }

    private void Pause(TimeSpan interval)
    {
        long deadline = Environment.TickCount64 + (long)interval.TotalMilliseconds;
        while (!_stopping && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(50);
        }
    }

    /// <summary>Stops the thread: wakes a blocked read, waits for the session to tear down, removes a server socket file.</summary>
    public void Dispose()
    {
        _stopping = true;
        Volatile.Read(ref _connection)?.Shutdown();
        if (IsStarted && Thread.CurrentThread != _thread)
        {
            _thread.Join(JoinTimeout);
        }
        IsStarted = false;
    }
}
