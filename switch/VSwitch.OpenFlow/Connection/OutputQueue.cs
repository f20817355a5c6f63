using System.Buffers;

namespace VSwitch.OpenFlow.Connection;

/// <summary>
/// The bounded output of one connection: whole messages in pooled arrays, written to the socket by one writer
/// task that packs several into each write. Two ways in: <see cref="TryEnqueue"/> for async messages (never waits;
/// false when full, the caller drops and counts) and <see cref="EnqueueAsync"/> for replies (waits for room, which
/// stops the connection reading a peer that does not read). One message larger than the free room is let in when
/// the queue is empty, so a reply always makes progress. Thread rules: any thread may enqueue; one writer.
/// </summary>
internal sealed class OutputQueue
{
    private const int SendBuffer = 64 * 1024;

    private readonly object _lock = new();
    private readonly Queue<(byte[] Array, int Length)> _queue = new();
    // Not capped at 1: a release can race with a drain that already took the message; a spare wake-up is harmless.
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly int _capacity;
    private int _bytes;
    private bool _wakePending;
    private bool _closed;
    private TaskCompletionSource? _room;

    public OutputQueue(int capacity)
    {
        _capacity = capacity;
    }

    /// <summary>Bytes waiting to be written.</summary>
    public int QueuedBytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Monotonic milliseconds of the last completed socket write.</summary>
    public long LastWriteProgress { get; private set; }

    /// <summary>Queues <paramref name="array"/> (from <see cref="ArrayPool{T}.Shared"/>) if there is room; takes ownership only on true.</summary>
    public bool TryEnqueue(byte[] array, int length)
    {
        lock (_lock)
        {
            if (_closed || (_bytes != 0 && _bytes + length > _capacity))
            {
                return false;
            }
            AddLocked(array, length);
            return true;
        }
    }

    /// <summary>Copies <paramref name="message"/> and queues it, waiting for room. False when the queue is closed.</summary>
    public async ValueTask<bool> EnqueueAsync(ReadOnlyMemory<byte> message, CancellationToken cancel)
    {
        byte[] array = ArrayPool<byte>.Shared.Rent(message.Length);
        message.Span.CopyTo(array);
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_closed)
                {
                    ArrayPool<byte>.Shared.Return(array);
                    return false;
                }
                if (_bytes == 0 || _bytes + message.Length <= _capacity)
                {
                    AddLocked(array, message.Length);
                    return true;
                }
                _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _room.Task;
            }
            try
            {
                await wait.WaitAsync(cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ArrayPool<byte>.Shared.Return(array);
                throw;
            }
        }
    }

    private void AddLocked(byte[] array, int length)
    {
        _queue.Enqueue((array, length));
        _bytes += length;
        if (!_wakePending)
        {
            _wakePending = true;
            _wake.Release();
        }
    }

    /// <summary>Writes queued messages until the queue is closed or the stream fails.</summary>
    public async Task RunWriterAsync(Stream stream, Func<long> now, CancellationToken cancel)
    {
        byte[] send = ArrayPool<byte>.Shared.Rent(SendBuffer);
        try
        {
            while (true)
            {
                await _wake.WaitAsync(cancel).ConfigureAwait(false);
                while (true)
                {
                    int filled = Fill(send, out bool closed);
                    if (filled == 0)
                    {
                        if (closed)
                        {
                            return;
                        }
                        break;
                    }
                    await stream.WriteAsync(send.AsMemory(0, filled), cancel).ConfigureAwait(false);
                    LastWriteProgress = now();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(send);
        }
    }

    // Packs whole messages into the send buffer; frees their arrays and wakes a reply waiting for room.
    private int Fill(byte[] send, out bool closed)
    {
        int filled = 0;
        TaskCompletionSource? room = null;
        lock (_lock)
        {
            while (_queue.TryPeek(out var item) && filled + item.Length <= send.Length)
            {
                _queue.Dequeue();
                item.Array.AsSpan(0, item.Length).CopyTo(send.AsSpan(filled));
                filled += item.Length;
                _bytes -= item.Length;
                ArrayPool<byte>.Shared.Return(item.Array);
            }
            if (_queue.Count == 0)
            {
                _wakePending = false;
            }
            if (filled != 0 && _room is not null)
            {
                room = _room;
                _room = null;
            }
            closed = _closed && _queue.Count == 0;
        }
        room?.TrySetResult();
        return filled;
    }

    /// <summary>
    /// Stops taking messages. With <paramref name="flush"/> the writer finishes what is queued (an ERROR before a
    /// disconnect); without, queued messages are dropped.
    /// </summary>
    public void Close(bool flush)
    {
        TaskCompletionSource? room;
        lock (_lock)
        {
            _closed = true;
            if (!flush)
            {
                while (_queue.TryDequeue(out var item))
                {
                    ArrayPool<byte>.Shared.Return(item.Array);
                }
                _bytes = 0;
            }
            room = _room;
            _room = null;
            if (!_wakePending)
            {
                _wakePending = true;
                _wake.Release();
            }
        }
        room?.TrySetResult();
    }
}
