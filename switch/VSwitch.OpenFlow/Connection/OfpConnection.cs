using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Time;
using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Connection;

/// <summary>
/// One OpenFlow 1.3 connection, from HELLO to close. It reads one message at a time into a fixed 64 KiB buffer,
/// checks and decodes it, hands it to the switch and queues the answer before reading the next, so the order of
/// effects is the order of messages and a BARRIER is answered after everything before it. It owns the connection's
/// role and async filters, its multipart reassembly, its bounded output and its inactivity probe.
/// <para>
/// Memory per connection is bounded: the receive buffer, the reassembly cap, the output queue cap. A peer that
/// floods and never reads fills the output queue; replies then wait, reading stops, and TCP pushes back; the probe
/// closes the connection when nothing moves for two probe intervals. A peer that breaks the framing (a length below
/// 8) gets an ERROR and is disconnected; any other bad message gets an ERROR and the connection goes on.
/// </para>
/// Thread rules: <see cref="RunAsync"/> once; the hub's publish methods from any thread.
/// </summary>
public sealed partial class OfpConnection
{
    private const int ErrorDataLength = 64;

    private readonly Stream _stream;
    private readonly OpenFlowHub _hub;
    private readonly OpenFlowOptions _options;
    private readonly IClock _clock;
    private readonly ILogger _logger;
    private readonly OutputQueue _output;
    private readonly MessageWriter _writer = new(1024);
    private readonly MessageWriter _scratch = new(1024);
    private readonly CancellationTokenSource _stop = new();
    private long _lastReceive;
    private long _probeSentAt = -1;
    private long _connectedAt;
    private bool _waitingForRoom;
    private uint _nextXid = 0x8000_0000;
    private long _messagesReceived;
    private long _errorsSent;
    private long _packetInsSent;
    private long _asyncDropped;
    private int _currentLength;

    internal OfpConnection(Stream stream, string name, ConnectionKind kind, OpenFlowHub hub, OpenFlowOptions options, IClock clock, ILogger logger)
    {
        _stream = stream;
        Name = name;
        Kind = kind;
        _hub = hub;
        _options = options;
        _clock = clock;
        _logger = logger;
        _output = new OutputQueue(options.OutputQueueBytes);
    }

    /// <summary>Peer or target name for logs and <c>show</c>.</summary>
    public string Name { get; }

    /// <summary>Passive or active.</summary>
    public ConnectionKind Kind { get; }

    /// <summary>Handshake, connected or closed.</summary>
    public ConnectionState State { get; private set; } = ConnectionState.Handshake;

    /// <summary>The connection's role (EQUAL until a ROLE_REQUEST changes it).</summary>
    public ControllerRole Role { get; internal set; } = ControllerRole.Equal;

    /// <summary>The connection's async filters (SET_ASYNC).</summary>
    public AsyncConfig Async { get; private set; } = AsyncConfig.Default;

    /// <summary>Why the connection ended, once it has.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>A snapshot of the connection's counters.</summary>
    public OfpConnectionInfo Info => new(Name, Kind, State, Role,
        State == ConnectionState.Connected ? (_clock.NowMilliseconds - Volatile.Read(ref _connectedAt)) / 1000 : 0,
        Interlocked.Read(ref _messagesReceived), Interlocked.Read(ref _errorsSent), Interlocked.Read(ref _packetInsSent),
        Interlocked.Read(ref _asyncDropped), CloseReason);

    /// <summary>
    /// Runs the connection until the peer closes, a fatal error, the probe gives up, or <paramref name="cancel"/>.
    /// Never throws for anything the peer does; the stream is disposed at the end.
    /// </summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stop.Token);
        CancellationToken token = linked.Token;
        _lastReceive = _clock.NowMilliseconds;
        _hub.Register(this);
        Task writer = _output.RunWriterAsync(_stream, () => _clock.NowMilliseconds, token);
        Task probe = ProbeLoopAsync(token);
        try
        {
            await SendAsync(new Hello(NextXid(), OfpHeader.Version13, 1u << OfpHeader.Version13), token).ConfigureAwait(false);
            await ReadLoopAsync(token).ConfigureAwait(false);
            CloseReason ??= "closed by peer";
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException
            or System.Net.Sockets.SocketException)
        {
            CloseReason ??= cancel.IsCancellationRequested ? "switch stopping" : e.Message;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug in handling this peer's message costs this connection only.
            _logger.LogError(e, "openflow {Connection}: internal error, closing", Name);
            CloseReason ??= "internal error: " + e.Message;
        }
        finally
        {
            State = ConnectionState.Closed;
            _hub.Unregister(this);
            _output.Close(flush: true);
            await FinishWriterAsync(writer).ConfigureAwait(false);
            await _stop.CancelAsync().ConfigureAwait(false);
            await probe.ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            _writer.Dispose();
            _scratch.Dispose();
            _stop.Dispose();
            _logger.LogInformation("openflow {Connection}: closed ({Reason})", Name, CloseReason);
        }
    }

    // Lets the writer flush a final ERROR, for at most a second.
    private static async Task FinishWriterAsync(Task writer)
    {
        try
        {
            await writer.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or TimeoutException
            or System.Net.Sockets.SocketException)
        {
            // The peer is gone or stalled; the stream is disposed next, which ends the writer.
        }
    }

    /// <summary>Closes the connection (from another thread, e.g. when the switch stops or a controller is removed).</summary>
    public void Close(string reason)
    {
        CloseReason ??= reason;
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }

    private async Task ReadLoopAsync(CancellationToken token)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(OfpHeader.MaxLength);
        try
        {
            while (true)
            {
                if (!await ReadFullyAsync(buffer.AsMemory(0, OfpHeader.Size), token).ConfigureAwait(false))
                {
                    return;
                }
                OfpHeader header = OfpHeader.Read(buffer);
                // §7.1: the length covers the header; less than 8 means the framing is lost and nothing after can be trusted.
                if (header.Length < OfpHeader.Size)
                {
                    await SendErrorAsync(header.Xid, OfpError.Of(BadRequestCode.BadLen), buffer.AsMemory(0, OfpHeader.Size), token).ConfigureAwait(false);
                    CloseReason = $"message length {header.Length} below the header size";
                    return;
                }
                if (!await ReadFullyAsync(buffer.AsMemory(OfpHeader.Size, header.Length - OfpHeader.Size), token).ConfigureAwait(false))
                {
                    CloseReason = "peer closed in the middle of a message";
                    return;
                }
                _lastReceive = _clock.NowMilliseconds;
                _probeSentAt = -1;
                Interlocked.Increment(ref _messagesReceived);
                if (!await HandleAsync(header, buffer.AsMemory(0, header.Length), token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask<bool> ReadFullyAsync(Memory<byte> into, CancellationToken token)
    {
        int got = 0;
        while (got < into.Length)
        {
            int n = await _stream.ReadAsync(into[got..], token).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            got += n;
        }
        return true;
    }

    // §6.3.2 (connection interruption) and OVS's inactivity probe: an echo after ProbeInterval of silence, a
    // disconnect after another ProbeInterval. Output draining while a reply waits for room counts as activity.
    private async Task ProbeLoopAsync(CancellationToken token)
    {
        long interval = (long)_options.ProbeInterval.TotalMilliseconds;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(_options.ProbeTick, token).ConfigureAwait(false);
                long now = _clock.NowMilliseconds;
                long last = _waitingForRoom ? Math.Max(_lastReceive, _output.LastWriteProgress) : _lastReceive;
                if (_probeSentAt >= 0 && now - Math.Max(_probeSentAt, last) >= interval)
                {
                    CloseReason = $"no answer to an echo request in {interval / 1000.0:0.#} s (inactivity probe)";
                    _stop.Cancel();
                    return;
                }
                if (_probeSentAt < 0 && now - last >= interval)
                {
                    _probeSentAt = now;
                    TryQueueAsync(new EchoRequest(NextXid(), ReadOnlyMemory<byte>.Empty));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Connection ending.
        }
    }

    private uint NextXid() => Interlocked.Increment(ref _nextXid);

    /// <summary>Queues a reply, waiting for room in the output.</summary>
    private async ValueTask SendAsync(OfpMessage message, CancellationToken token)
    {
        _writer.Clear();
        OfpEncoder.Encode(message, _writer);
        await SendEncodedAsync(_writer.WrittenMemory, token).ConfigureAwait(false);
    }

    private async ValueTask SendEncodedAsync(ReadOnlyMemory<byte> encoded, CancellationToken token)
    {
        _waitingForRoom = true;
        try
        {
            if (!await _output.EnqueueAsync(encoded, token).ConfigureAwait(false))
            {
                throw new IOException("output closed");
            }
        }
        finally
        {
            _waitingForRoom = false;
        }
    }

    private ValueTask SendErrorAsync(uint xid, OfpError error, ReadOnlyMemory<byte> request, CancellationToken token)
    {
        Interlocked.Increment(ref _errorsSent);
        ReadOnlyMemory<byte> data = request[..Math.Min(request.Length, ErrorDataLength)];
        return SendAsync(new ErrorMessage(xid, error, data), token);
    }

    private ValueTask SendHelloFailedAsync(uint xid, string text, CancellationToken token)
    {
        Interlocked.Increment(ref _errorsSent);
        return SendAsync(new ErrorMessage(xid, OfpError.Of(HelloFailedCode.Incompatible), Encoding.ASCII.GetBytes(text)), token);
    }

    /// <summary>Queues an async message if it fits (encoding on the calling thread); counts a drop otherwise.</summary>
    internal bool TryQueueAsync(OfpMessage message)
    {
        using var w = new MessageWriter(256);
        OfpEncoder.Encode(message, w);
        byte[] array = ArrayPool<byte>.Shared.Rent(w.Length);
        w.WrittenSpan.CopyTo(array);
        return TryQueueArray(array, w.Length);
    }

    /// <summary>Queues a PACKET_IN encoded straight into a pooled array.</summary>
    internal bool TryQueuePacketIn(in PacketInEvent e, ReadOnlySpan<byte> frame)
    {
        int data = Math.Min(PacketInEncoder.DataLength(e, frame.Length), OfpHeader.MaxLength - PacketInEncoder.Size(e, 0));
        int size = PacketInEncoder.Size(e, data);
        byte[] array = ArrayPool<byte>.Shared.Rent(size);
        PacketInEncoder.Write(array, NextXid(), e, frame, data);
        if (!TryQueueArray(array, size))
        {
            return false;
        }
        Interlocked.Increment(ref _packetInsSent);
        return true;
    }

    private bool TryQueueArray(byte[] array, int length)
    {
        if (_output.TryEnqueue(array, length))
        {
            return true;
        }
        ArrayPool<byte>.Shared.Return(array);
        Interlocked.Increment(ref _asyncDropped);
        return false;
    }

    /// <summary>True once HELLO is exchanged and the role and filters want <paramref name="type"/> for <paramref name="reason"/>.</summary>
    internal bool Wants(OfpType type, int reason) => State == ConnectionState.Connected && type switch
    {
        OfpType.PacketIn => Async.WantsPacketIn(Role, (PacketInReason)reason),
        OfpType.PortStatus => Async.WantsPortStatus(Role, (PortStatusReason)reason),
        OfpType.FlowRemoved => Async.WantsFlowRemoved(Role, (FlowRemovedReason)reason),
        _ => false,
    };

    internal static uint ReadXid(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt32BigEndian(message[4..]);
}
