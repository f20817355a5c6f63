using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using VSwitch.Rpc;

namespace VSwitch.Control.Rpc;

/// <summary>
/// The control socket (<c>RUN_DIR/vswitchd.ctl</c>): a unix stream socket speaking length-prefixed JSON-RPC 2.0.
/// One task per client; a client that sends garbage, an oversize frame, stalls or disconnects mid-request loses
/// only its own connection. Requests run through the <see cref="RpcDispatcher"/>, which serialises them.
/// Ownership: owns the listening socket, the client connections and the socket file (removed on dispose).
/// Thread rules: <see cref="Start"/> and <see cref="DisposeAsync"/> from the owning thread; the rest runs on the
/// thread pool.
/// </summary>
public sealed class RpcServer : IAsyncDisposable
{
    private readonly string _path;
    private readonly SocketPermissions _permissions;
    private readonly RpcDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly RpcServerLimits _limits;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _clients = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _nextClient;
    private int _active;
    private bool _disposed;

    /// <summary>Creates the server; nothing is bound until <see cref="Start"/>.</summary>
    public RpcServer(string socketPath, SocketPermissions permissions, RpcDispatcher dispatcher, ILogger logger,
        RpcServerLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(permissions);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(logger);
        _path = socketPath;
        _permissions = permissions;
        _dispatcher = dispatcher;
        _logger = logger;
        _limits = limits ?? RpcServerLimits.Default;
    }

    /// <summary>Clients connected now.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>
    /// Binds the socket (replacing a stale socket file left by a dead daemon), applies the permissions before
    /// listening so nobody connects through the umask's mode, and starts accepting.
    /// </summary>
    /// <exception cref="IOException">Another daemon listens on the path, or the OS refused.</exception>
    public void Start()
    {
        RemoveStaleSocket();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(_path));
            _permissions.Apply(_path);
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _logger.LogInformation("control socket listening on {Path} (mode {Mode})", _path, SocketPermissions.FormatMode(_permissions.Mode));
    }

    /// <summary>Stops accepting, closes every client, waits for their tasks and removes the socket file. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        await Task.WhenAll(_clients.Values).ConfigureAwait(false);
        if (_listener is not null)
        {
            File.Delete(_path);
        }
        _stop.Dispose();
    }

    private void RemoveStaleSocket()
    {
        if (!File.Exists(_path))
        {
            return;
        }
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(_path));
                throw new IOException($"another vswitchd is listening on {_path}");
            }
            catch (SocketException)
            {
                // Nobody listens: the file is left over from a daemon that died.
            }
        }
        File.Delete(_path);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                _logger.LogWarning("control socket accept failed: {Reason}", e.Message);
                continue;
            }
            long id = Interlocked.Increment(ref _nextClient);
            // Registered before it runs, so the task's own removal at its end always finds it.
            var serve = new Task<Task>(() => ServeAsync(id, client));
            _clients[id] = serve.Unwrap();
            serve.Start(TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(long id, Socket client)
    {
        int active = Interlocked.Increment(ref _active);
        try
        {
            using var stream = new NetworkStream(client, ownsSocket: true);
            if (active > _limits.MaxConnections)
            {
                _logger.LogWarning("control client {Client} refused: {Max} clients already connected", id, _limits.MaxConnections);
                await ReplyAndCloseAsync(stream, RpcErrorCodes.InternalError, "too many control connections; try again").ConfigureAwait(false);
                return;
            }
            await ServeRequestsAsync(id, stream).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug("control client {Client} closed: {Reason}", id, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            _clients.TryRemove(id, out _);
        }
    }

    private async Task ServeRequestsAsync(long id, NetworkStream stream)
    {
        while (true)
        {
            byte[]? frame;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                timeout.CancelAfter(_limits.RequestTimeout);
                try
                {
                    frame = await RpcFraming.ReadFrameAsync(stream, _limits.MaxRequestBytes, timeout.Token).ConfigureAwait(false);
                }
                catch (RpcFrameException e) when (e.Error != RpcFrameError.Truncated)
                {
                    _logger.LogWarning("control client {Client} dropped: {Reason}", id, e.Message);
                    await ReplyAndCloseAsync(stream, RpcErrorCodes.InvalidRequest, e.Message).ConfigureAwait(false);
                    return;
                }
            }
            if (frame is null)
            {
                return;
            }
            byte[] response = await _dispatcher.DispatchAsync(frame, _stop.Token).ConfigureAwait(false);
            await RpcFraming.WriteFrameAsync(stream, response, _stop.Token).ConfigureAwait(false);
        }
    }

    private async Task ReplyAndCloseAsync(NetworkStream stream, int code, string message)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        await RpcFraming.WriteFrameAsync(stream, RpcDispatcher.ErrorPayload(code, message), timeout.Token).ConfigureAwait(false);
    }
}
