using System.Net.Sockets;
using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Tests.Fakes;

/// <summary>The controller's side of a connection, spoken with the assembly's own codec over a real unix socket.</summary>
public sealed class OfpTestClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly MessageWriter _writer = new();
    private uint _xid = 100;

    private OfpTestClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<OfpTestClient> ConnectAsync(string path, bool hello = true)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        var client = new OfpTestClient(socket);
        if (hello)
        {
            await client.SendAsync(new Hello(1, OfpHeader.Version13, 1u << 4));
            OfpMessage first = await client.ReceiveAsync();
            if (first is not Hello)
            {
                throw new InvalidOperationException($"expected HELLO, got {first}");
            }
        }
        return client;
    }

    public uint NextXid() => ++_xid;

    public async Task SendAsync(OfpMessage message)
    {
        _writer.Clear();
        OfpEncoder.Encode(message, _writer);
        await _stream.WriteAsync(_writer.WrittenMemory);
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Receives one whole message as bytes, or null when the switch closed the connection.</summary>
    public async Task<byte[]?> ReceiveRawAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var header = new byte[8];
        if (!await ReadAsync(header, cts.Token))
        {
            return null;
        }
        int length = (header[2] << 8) | header[3];
        var message = new byte[length];
        header.CopyTo(message, 0);
        return await ReadAsync(message.AsMemory(8), cts.Token) ? message : null;
    }

    public async Task<OfpMessage> ReceiveAsync(TimeSpan? timeout = null)
    {
        byte[] raw = await ReceiveRawAsync(timeout) ?? throw new EndOfStreamException("the switch closed the connection");
        return OfpDecoder.TryDecode(raw, out OfpMessage? m, out OfpError e) ? m : throw new InvalidOperationException($"undecodable reply: {e}");
    }

    /// <summary>Receives until a message of type <typeparamref name="T"/> arrives, answering echo requests.</summary>
    public async Task<T> ReceiveAsync<T>() where T : OfpMessage
    {
        while (true)
        {
            OfpMessage m = await ReceiveAsync();
            if (m is T t)
            {
                return t;
            }
            if (m is EchoRequest echo)
            {
                await SendAsync(new EchoReply(echo.Xid, echo.Data.ToArray()));
            }
        }
    }

    private async Task<bool> ReadAsync(Memory<byte> into, CancellationToken cancel)
    {
        int got = 0;
        while (got < into.Length)
        {
            int n = await _stream.ReadAsync(into[got..], cancel);
            if (n == 0)
            {
                return false;
            }
            got += n;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _writer.Dispose();
        _socket.Dispose();
    }
}
