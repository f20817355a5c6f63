using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace VSwitch.Rpc;

/// <summary>
/// A connection to vswitchd's control socket that sends JSON-RPC 2.0 requests one at a time and waits for
/// each response. Not thread-safe: one caller at a time (open one client per concurrent caller).
/// Owns its socket; dispose it to close the connection.
/// </summary>
public sealed class RpcClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private long _nextId;

    private RpcClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to the control socket at <paramref name="socketPath"/>.</summary>
    /// <exception cref="RpcConnectException">Nothing listens there (or the path cannot be used).</exception>
    public static async Task<RpcClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new RpcClient(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new RpcConnectException(socketPath, Describe(e.SocketErrorCode), e);
        }
        catch (ArgumentException e)
        {
            socket.Dispose();
            throw new RpcConnectException(socketPath, "path is not usable as a socket address", e);
        }
    }

    /// <summary>
    /// Calls <paramref name="method"/> and returns the raw result object.
    /// </summary>
    /// <exception cref="RpcException">The daemon answered with an error.</exception>
    /// <exception cref="IOException">The connection failed or the daemon broke the protocol.</exception>
    public async Task<JsonElement> CallAsync(string method, JsonElement? parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        long id = ++_nextId;
        var request = new RpcRequest(RpcRequest.Version, id, method, parameters);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(request, RpcJsonContext.Default.RpcRequest);
        await RpcFraming.WriteFrameAsync(_stream, payload, cancellationToken).ConfigureAwait(false);
        byte[] frame = await RpcFraming.ReadFrameAsync(_stream, RpcFraming.MaxResponseLength, cancellationToken).ConfigureAwait(false)
            ?? throw new IOException("vswitchd closed the connection without answering");
        RpcResponse response;
        try
        {
            response = JsonSerializer.Deserialize(frame, RpcJsonContext.Default.RpcResponse)
                ?? throw new IOException("vswitchd sent an empty response");
        }
        catch (JsonException e)
        {
            throw new IOException($"vswitchd sent a response that is not valid JSON-RPC: {e.Message}", e);
        }
        if (response.Error is { } error)
        {
            throw new RpcException(error.Code, error.Message);
        }
        if (response.Id != id || response.Result is not { } result)
        {
            throw new IOException("vswitchd sent a response that does not match the request");
        }
        return result;
    }

    /// <summary>Calls <paramref name="method"/> with typed parameters and returns the raw result object.</summary>
    /// <exception cref="RpcException">The daemon answered with an error.</exception>
    /// <exception cref="IOException">The connection failed or the daemon broke the protocol.</exception>
    public Task<JsonElement> CallAsync<TParams>(string method, TParams parameters, JsonTypeInfo<TParams> parametersInfo,
        CancellationToken cancellationToken)
    {
        JsonElement element = JsonSerializer.SerializeToElement(parameters, parametersInfo);
        return CallAsync(method, element, cancellationToken);
    }

    /// <summary>Converts a raw result to its typed form.</summary>
    /// <exception cref="IOException">The result does not have the expected shape.</exception>
    public static TResult ReadResult<TResult>(JsonElement result, JsonTypeInfo<TResult> resultInfo)
    {
        try
        {
            return result.Deserialize(resultInfo) ?? throw new IOException("vswitchd sent a null result");
        }
        catch (JsonException e)
        {
            throw new IOException($"vswitchd sent a result of an unexpected shape: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.AddressNotAvailable => "no such socket",
        SocketError.ConnectionRefused => "connection refused: is vswitchd running?",
        SocketError.AccessDenied => "permission denied",
        _ => error.ToString(),
    };
}
