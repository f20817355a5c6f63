using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace VSwitch.OpenFlow.Wire;

/// <summary>
/// A growable big-endian buffer that OpenFlow messages are encoded into. The array comes from
/// <see cref="ArrayPool{T}.Shared"/> and goes back on <see cref="Dispose"/>; <see cref="Clear"/> keeps it, so a
/// writer reused per connection encodes without allocating. Several messages may be written back to back.
/// Thread rules: one thread at a time.
/// </summary>
public sealed class MessageWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with room for <paramref name="initialCapacity"/> bytes.</summary>
    public MessageWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 64));
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far (valid until the next write).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far (valid until the next write).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Drops everything after <paramref name="length"/> (undoes a partly written message).</summary>
    public void Truncate(int length) => _length = Math.Min(_length, Math.Max(0, length));

    /// <summary>Writes a header with a placeholder length; returns the message's start for <see cref="EndMessage"/>.</summary>
    public int BeginMessage(OfpType type, uint xid)
    {
        int start = _length;
        U8(OfpHeader.Version13);
        U8((byte)type);
        U16(0);
        U32(xid);
        return start;
    }

    /// <summary>Patches the length of the message begun at <paramref name="start"/>.</summary>
    /// <exception cref="InvalidOperationException">The message is longer than 65535 bytes (the caller must split it).</exception>
    public void EndMessage(int start)
    {
        int length = _length - start;
        if (length > OfpHeader.MaxLength)
        {
            ThrowTooLong(length);
        }
        PatchU16(start + 2, (ushort)length);
    }

    /// <summary>Writes one byte.</summary>
    public void U8(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    /// <summary>Writes a big-endian 16-bit value.</summary>
    public void U16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), value);
        _length += 2;
    }

    /// <summary>Writes a big-endian 32-bit value.</summary>
    public void U32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    /// <summary>Writes a big-endian 64-bit value.</summary>
    public void U64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="value"/>, most significant first.</summary>
    public void UInt(UInt128 value, int size)
    {
        Ensure(size);
        for (int i = size - 1; i >= 0; i--)
        {
            _buffer[_length + i] = (byte)value;
            value >>= 8;
        }
        _length += size;
    }

    /// <summary>Copies bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Writes <paramref name="count"/> zero bytes (padding).</summary>
    public void Zeros(int count)
    {
        Ensure(count);
        _buffer.AsSpan(_length, count).Clear();
        _length += count;
    }

    /// <summary>Writes zeros until the length since <paramref name="start"/> is a multiple of 8.</summary>
    public void PadTo8(int start) => Zeros(((_length - start + 7) & ~7) - (_length - start));

    /// <summary>Writes ASCII text into a fixed, NUL-padded field of <paramref name="size"/> bytes (cut to size - 1).</summary>
    public void FixedString(string? text, int size)
    {
        Ensure(size);
        Span<byte> field = _buffer.AsSpan(_length, size);
        field.Clear();
        if (!string.IsNullOrEmpty(text))
        {
            int n = Math.Min(text.Length, size - 1);
            for (int i = 0; i < n; i++)
            {
                char c = text[i];
                field[i] = c is >= ' ' and < (char)0x7f ? (byte)c : (byte)'?';
            }
        }
        _length += size;
    }

    /// <summary>Overwrites a 16-bit value at <paramref name="offset"/>.</summary>
    public void PatchU16(int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(offset, 2), value);

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        byte[] b = _buffer;
        _buffer = [];
        _length = 0;
        if (b.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    /// <summary>Reads a NUL-padded fixed ASCII field.</summary>
    internal static string ReadFixedString(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? field : field[..end]);
    }

    private void Ensure(int extra)
    {
        if (_buffer.Length - _length >= extra)
        {
            return;
        }
        Grow(extra);
    }

    private void Grow(int extra)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = bigger;
    }

    [DoesNotReturn]
    private static void ThrowTooLong(int length) =>
        throw new InvalidOperationException($"an OpenFlow message of {length} bytes exceeds the 16-bit length field");
}
