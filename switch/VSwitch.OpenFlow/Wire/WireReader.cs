using System.Buffers.Binary;

namespace VSwitch.OpenFlow.Wire;

/// <summary>
/// Reads big-endian fields from a span, front to back. It never reads past the span: every read is preceded by
/// the caller's length check (<see cref="Remaining"/>), and a read past the end is a programming error that
/// throws (caught at the connection boundary), never an out-of-bounds access.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private int _position;

    public WireReader(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _bytes.Length - _position;

    public byte U8() => _bytes[_position++];

    public ushort U16()
    {
        ushort v = BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(_position, 2));
        _position += 2;
        return v;
    }

    public uint U32()
    {
        uint v = BinaryPrimitives.ReadUInt32BigEndian(_bytes.Slice(_position, 4));
        _position += 4;
        return v;
    }

    public ulong U64()
    {
        ulong v = BinaryPrimitives.ReadUInt64BigEndian(_bytes.Slice(_position, 8));
        _position += 8;
        return v;
    }

    public ReadOnlySpan<byte> Bytes(int count)
    {
        ReadOnlySpan<byte> s = _bytes.Slice(_position, count);
        _position += count;
        return s;
    }

    public void Skip(int count)
    {
        _ = _bytes.Slice(_position, count);
        _position += count;
    }

    /// <summary>True when the next <paramref name="count"/> bytes are all zero (reserved padding).</summary>
    public readonly bool IsZero(int count) => !_bytes.Slice(_position, count).ContainsAnyExcept((byte)0);
}
