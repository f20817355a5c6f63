using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// The deterministic payload a guest's send role transmits, written independently of the guest's shell version
/// (<c>tests/guests/payload.sh</c>) so a test can check the md5 both guests print against a third opinion.
/// The payload of N bytes is the first N bytes of chunks 0, 1, 2, ... where chunk k is the line <c>"%08d\n"</c> of k
/// followed by the lines <c>10000000</c> to <c>10116507</c>, each ending in a newline. Stateless and thread-safe.
/// </summary>
public static class GuestPayload
{
    /// <summary>Lines of the block that follows each chunk's header line.</summary>
    public const int BlockLines = 116508;

    /// <summary>Bytes of one chunk: a 9-byte header line and <see cref="BlockLines"/> lines of 9 bytes.</summary>
    public const int ChunkSize = 9 * (BlockLines + 1);

    private static readonly byte[] Block = BuildBlock();

    /// <summary>Writes the first <paramref name="bytes"/> bytes of the payload to <paramref name="destination"/>.</summary>
    public static void Write(Stream destination, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        for (long chunk = 0; bytes > 0; chunk++)
        {
            byte[] header = Encoding.ASCII.GetBytes(chunk.ToString("D8", CultureInfo.InvariantCulture) + "\n");
            int n = (int)Math.Min(bytes, header.Length);
            destination.Write(header, 0, n);
            bytes -= n;
            n = (int)Math.Min(bytes, Block.Length);
            destination.Write(Block, 0, n);
            bytes -= n;
        }
    }

    /// <summary>The payload as an array (for small sizes).</summary>
    public static byte[] Create(int bytes)
    {
        using var stream = new MemoryStream(bytes);
        Write(stream, bytes);
        return stream.ToArray();
    }

    /// <summary>The payload's md5 as lowercase hex, as <c>md5sum</c> prints it.</summary>
    public static string Md5(long bytes)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using (var sink = new HashingStream(md5))
        {
            Write(sink, bytes);
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    private static byte[] BuildBlock()
    {
        var text = new StringBuilder(9 * BlockLines);
        for (int i = 0; i < BlockLines; i++)
        {
            text.Append((10_000_000 + i).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
