using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VSwitch.Rpc;

namespace VSwitch.Control.Tests.Fakes;

/// <summary>A hostile or sloppy control client: sends arbitrary bytes and frames.</summary>
public sealed class RawClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public RawClient(string path)
    {
        _socket.Connect(new UnixDomainSocketEndPoint(path));
        Stream = new NetworkStream(_socket, ownsSocket: false);
    }

    public NetworkStream Stream { get; }

    public void SendBytes(byte[] bytes) => _socket.Send(bytes);

    public void SendFrame(string json)
    {
        byte[] payload = Encoding.UTF8.GetBytes(json);
        byte[] prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, payload.Length);
        _socket.Send([.. prefix, .. payload]);
    }

    /// <summary>The next response, or null when the server closed the connection.</summary>
    public RpcResponse? ReadResponse()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        byte[]? frame = RpcFraming.ReadFrameAsync(Stream, RpcFraming.MaxResponseLength, timeout.Token).AsTask().GetAwaiter().GetResult();
        return frame is null ? null : JsonSerializer.Deserialize(frame, RpcJsonContext.Default.RpcResponse);
    }

    /// <summary>True when the server has closed its side (a read returns end of stream).</summary>
    public bool IsClosedByServer()
    {
        _socket.ReceiveTimeout = 10_000;
        try
        {
            return _socket.Receive(new byte[1]) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        Stream.Dispose();
        _socket.Dispose();
    }
}
