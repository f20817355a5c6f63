using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using VSwitch.Rpc;

namespace VSwitch.Control.Rpc;

/// <summary>
/// Turns one request frame into one response frame: validates the JSON-RPC 2.0 envelope, finds the method,
/// validates its parameters by strict deserialisation, and runs the handler. Handlers run one at a time (a
/// single gate), so concurrent clients are safe and every change is serialised with the DB write it implies.
/// Errors become error responses with one line of text; nothing a client sends can end the process.
/// Thread-safe.
/// </summary>
public sealed class RpcDispatcher
{
    private readonly Dictionary<string, Func<JsonElement?, JsonElement>> _methods = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger;

    /// <summary>Creates an empty dispatcher; register methods before serving.</summary>
    public RpcDispatcher(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    /// <summary>Registered method names.</summary>
    public IEnumerable<string> Methods => _methods.Keys;

    /// <summary>Registers a method that takes a parameter object.</summary>
    public void Register<TParams, TResult>(string method, JsonTypeInfo<TParams> paramsInfo, JsonTypeInfo<TResult> resultInfo,
        Func<TParams, TResult> handler)
    {
        ArgumentNullException.ThrowIfNull(paramsInfo);
        ArgumentNullException.ThrowIfNull(resultInfo);
        ArgumentNullException.ThrowIfNull(handler);
        _methods.Add(method, parameters =>
        {
            if (parameters is not { ValueKind: JsonValueKind.Object } element)
            {
                throw ControlException.Invalid($"{method} needs a parameter object");
            }
            TParams typed;
            try
            {
                typed = element.Deserialize(paramsInfo) ?? throw ControlException.Invalid($"{method} needs a parameter object");
            }
            catch (JsonException e)
            {
                throw ControlException.Invalid($"invalid parameters for {method}: {e.Message}");
            }
            return JsonSerializer.SerializeToElement(handler(typed), resultInfo);
        });
    }

    /// <summary>Registers a method without parameters (absent, null or an empty object are accepted).</summary>
    public void Register<TResult>(string method, JsonTypeInfo<TResult> resultInfo, Func<TResult> handler)
    {
        ArgumentNullException.ThrowIfNull(resultInfo);
        ArgumentNullException.ThrowIfNull(handler);
        _methods.Add(method, parameters =>
        {
            bool none = parameters is null
                || parameters.Value.ValueKind == JsonValueKind.Null
                || (parameters.Value.ValueKind == JsonValueKind.Object && !parameters.Value.EnumerateObject().Any());
            return none
                ? JsonSerializer.SerializeToElement(handler(), resultInfo)
                : throw ControlException.Invalid($"{method} takes no parameters");
        });
    }

    /// <summary>Runs <paramref name="action"/> inside the same gate as the handlers (timers that change state).</summary>
    public async Task RunExclusiveAsync(Action action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            action();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside the same gate as the handlers and returns its result: other doors to the
    /// control plane (the OpenFlow management socket) are serialised with RPC requests this way.
    /// </summary>
    public async Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// <see cref="RunExclusiveAsync{T}"/> for callers that must answer synchronously (statistics queries). Blocks the
    /// calling thread while a request runs; handlers never wait for such callers, so this cannot deadlock.
    /// </summary>
    public T RunExclusive<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        _gate.Wait();
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Handles one request frame and returns the response frame's payload.</summary>
    public async Task<byte[]> DispatchAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        RpcResponse response = await HandleAsync(frame, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(response, RpcJsonContext.Default.RpcResponse);
    }

    /// <summary>An error response payload for a request that could not be read at all.</summary>
    public static byte[] ErrorPayload(int code, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(Error(null, code, message), RpcJsonContext.Default.RpcResponse);

    private async Task<RpcResponse> HandleAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            return Error(null, RpcErrorCodes.ParseError, $"the request is not valid JSON: {e.Message}");
        }
        using (document)
        {
            RpcRequest? request = ReadEnvelope(document.RootElement, out RpcResponse? invalid);
            if (request is null)
            {
                return invalid!;
            }
            if (!_methods.TryGetValue(request.Method!, out var method))
            {
                return Error(request.Id, RpcErrorCodes.MethodNotFound, $"unknown method '{request.Method}'");
            }
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return new RpcResponse(RpcRequest.Version, request.Id, method(request.Params));
            }
            catch (ControlException e)
            {
                return Error(request.Id, e.Code, e.Message);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "request {Method} failed", request.Method);
                return Error(request.Id, RpcErrorCodes.InternalError, $"internal error in {request.Method}: {e.Message}");
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private static RpcRequest? ReadEnvelope(JsonElement root, out RpcResponse? invalid)
    {
        invalid = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            invalid = Error(null, RpcErrorCodes.InvalidRequest, "the request is not a JSON object");
            return null;
        }
        RpcRequest? request;
        try
        {
            request = root.Deserialize(RpcJsonContext.Default.RpcRequest);
        }
        catch (JsonException e)
        {
            invalid = Error(null, RpcErrorCodes.InvalidRequest, $"the request is not a JSON-RPC 2.0 request: {e.Message}");
            return null;
        }
        if (request is null || request.Jsonrpc != RpcRequest.Version || request.Id is null || string.IsNullOrEmpty(request.Method))
        {
            invalid = Error(request?.Id, RpcErrorCodes.InvalidRequest, "the request needs jsonrpc \"2.0\", an integer id and a method");
            return null;
        }
        return request;
    }

    private static RpcResponse Error(long? id, int code, string message) =>
        new(RpcRequest.Version, id, Error: new RpcError(code, OneLine(message)));

    private static string OneLine(string message) =>
        message.ReplaceLineEndings(" ").Trim();
}
