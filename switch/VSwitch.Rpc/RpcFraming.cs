using System.Buffers.Binary;

namespace VSwitch.Rpc;

/// <summary>
/// The wire framing of the control socket: each JSON-RPC 2.0 message is one frame, a 4-byte big-endian
/// payload length followed by that many bytes of UTF-8 JSON. A length prefix (rather than newline
/// delimiting) lets the reader refuse an oversize request before reading its body.
/// Thread rules: a stream must be read by one caller at a time and written by one caller at a time.
/// </summary>
public static class RpcFraming
{
    /// <summary>Bytes in the length prefix.</summary>
    public const int PrefixLength = 4;

    /// <summary>Largest request the daemon accepts (1 MiB): enough for thousands of flows in one add-flows call.</summary>
    public const int MaxRequestLength = 1 << 20;

    /// <summary>Largest response the client accepts (64 MiB): dump-flows of a large table.</summary>
    public const int MaxResponseLength = 64 << 20;

    /// <summary>Writes one frame holding <paramref name="payload"/> and flushes the stream.</summary>
    public static async ValueTask WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] prefix = new byte[PrefixLength];
        BinaryPrimitives.WriteInt32BigEndian(prefix, payload.Length);
        await stream.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one frame. Returns null when the peer closed the stream cleanly between frames.
    /// </summary>
    /// <exception cref="RpcFrameException">The frame is empty, longer than <paramref name="maxLength"/>,
    /// or the stream ended inside it. The stream is then out of step and must be closed.</exception>
    public static async ValueTask<byte[]?> ReadFrameAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] prefix = new byte[PrefixLength];
        int got = await ReadFullyAsync(stream, prefix, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }
        if (got < PrefixLength)
        {
            throw new RpcFrameException(RpcFrameError.Truncated, "the connection closed inside a frame header");
        }
        int length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length <= 0)
        {
            throw new RpcFrameException(RpcFrameError.BadLength, $"frame length {length} is not positive");
        }
        if (length > maxLength)
        {
            throw new RpcFrameException(RpcFrameError.TooLarge, $"frame of {length} bytes exceeds the limit of {maxLength} bytes");
        }
        byte[] payload = new byte[length];
        got = await ReadFullyAsync(stream, payload, cancellationToken).ConfigureAwait(false);
        if (got < length)
        {
            throw new RpcFrameException(RpcFrameError.Truncated, $"the connection closed after {got} of {length} frame bytes");
        }
        return payload;
    }

    private static async ValueTask<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
