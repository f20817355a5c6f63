using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using VSwitch.OpenFlow.Connection;

namespace VSwitch.OpenFlow.Transport;

/// <summary>
/// A passive OpenFlow endpoint: the bridge's management socket (<c>RUN_DIR/br0.mgmt</c>, unix, mode 0660 by
/// default, a stale file from a dead daemon replaced) or an optional TCP listener. Each accepted client becomes an
/// <see cref="OfpConnection"/> of the hub; beyond <see cref="OpenFlowOptions.MaxPassiveConnections"/> a client is
/// closed at once. Ownership: the listening socket, its connections' tasks, and the socket file (removed on
/// dispose). Thread rules: <see cref="Start"/> and <see cref="DisposeAsync"/> from one thread.
/// </summary>
public sealed class OfpListener : IAsyncDisposable
{
    private readonly OpenFlowHub _hub;
    private readonly EndPoint _endPoint;
    private readonly string? _path;
    private readonly Action<string>? _applyPermissions;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];
    private Socket? _socket;
    private Task? _accept;
    private int _active;

    private OfpListener(OpenFlowHub hub, EndPoint endPoint, string? path, Action<string>? applyPermissions)
    {
        _hub = hub;
        _endPoint = endPoint;
        _path = path;
        _applyPermissions = applyPermissions;
        _logger = hub.Loggers.CreateLogger("VSwitch.OpenFlow");
    }

    /// <summary>
    /// A unix listener at <paramref name="path"/>. <paramref name="applyPermissions"/> sets the socket file's mode
    /// and owner after bind and before listen (default: mode 0660), so nobody connects through the umask's mode.
    /// </summary>
    public static OfpListener Unix(OpenFlowHub hub, string path, Action<string>? applyPermissions = null)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new OfpListener(hub, new UnixDomainSocketEndPoint(path), path, applyPermissions ?? DefaultPermissions);
    }

    /// <summary>A TCP listener (<c>ptcp:PORT[:IP]</c> in OVS terms).</summary>
    public static OfpListener Tcp(OpenFlowHub hub, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(endPoint);
        return new OfpListener(hub, endPoint, null, null);
    }

    /// <summary>The bound endpoint (for TCP port 0, the port chosen).</summary>
    public EndPoint? LocalEndPoint => _socket?.LocalEndPoint;

    /// <summary>Binds, listens and starts accepting.</summary>
    /// <exception cref="IOException">Another process listens on the unix path, or the OS refused.</exception>
    public void Start()
    {
        if (_path is not null)
        {
            RemoveStaleSocket(_path);
        }
        var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, _path is null ? ProtocolType.Tcp : ProtocolType.Unspecified);
        try
        {
            if (_path is null)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            socket.Bind(_endPoint);
            if (_path is not null)
            {
                _applyPermissions!(_path);
            }
            socket.Listen(16);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _accept = Task.Run(AcceptLoopAsync);
        _logger.LogInformation("openflow listening on {EndPoint}", Describe());
    }

    private string Describe() => _path is not null ? "unix:" + _path : "tcp:" + _socket?.LocalEndPoint;

    private static void DefaultPermissions(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("unix socket permissions need a Unix system");
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
    }

    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"another process is listening on {path}");
            }
            catch (SocketException)
            {
                // Nobody listens: left over from a daemon that died.
            }
        }
        File.Delete(path);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                _logger.LogWarning("openflow accept on {EndPoint} failed: {Reason}", Describe(), e.Message);
                continue;
            }
            if (Interlocked.Increment(ref _active) > _hub.Options.MaxPassiveConnections)
            {
                Interlocked.Decrement(ref _active);
                _logger.LogWarning("openflow {EndPoint}: refused a client, {Max} already connected", Describe(), _hub.Options.MaxPassiveConnections);
                client.Dispose();
                continue;
            }
            if (_path is null)
            {
                client.NoDelay = true;
            }
            string name = _path is not null ? "unix:" + _path : "tcp:" + client.RemoteEndPoint;
            OfpConnection connection = _hub.CreateConnection(new NetworkStream(client, ownsSocket: true), name, ConnectionKind.Passive);
            lock (_clients)
            {
                _clients.RemoveAll(t => t.IsCompleted);
                _clients.Add(ServeAsync(connection));
            }
        }
    }

    private async Task ServeAsync(OfpConnection connection)
    {
        try
        {
            await Task.Yield();
            await connection.RunAsync(_stop.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>Stops accepting, closes every connection of this listener and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_accept is not null)
        {
            await _accept.ConfigureAwait(false);
        }
        Task[] clients;
        lock (_clients)
        {
            clients = [.. _clients];
        }
        await Task.WhenAll(clients).ConfigureAwait(false);
        if (_path is not null && _socket is not null)
        {
            File.Delete(_path);
        }
        _stop.Dispose();
    }
}
