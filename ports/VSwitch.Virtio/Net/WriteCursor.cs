using System.Runtime.CompilerServices;
using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Net;

/// <summary>
/// Where the copy of one packet (header, then frame) into guest buffers stands. Remembers where header bytes 10 and
/// 11 (num_buffers) landed, which may be two different descriptors, so the count can be patched once the number of
/// buffers is known. Stack-only; one per packet.
/// </summary>
internal ref struct WriteCursor
{
    private readonly ReadOnlySpan<byte> _header;
    private readonly ReadOnlySpan<byte> _frame;
    private int _headerDone;
    private int _frameDone;
    private GuestWindow _lowWindow;
    private ulong _lowOffset;
    private GuestWindow _highWindow;
    private ulong _highOffset;

    public WriteCursor(ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame)
    {
        _header = header;
        _frame = frame;
    }

    /// <summary>True when the header and the whole frame are written.</summary>
    public readonly bool Done => _frameDone == _frame.Length && _headerDone == _header.Length;

    /// <summary>Writes as much as fits into <paramref name="buffer"/> (capacity <paramref name="capacity"/>) and returns the bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint WriteInto(GuestWindow buffer, uint capacity)
    {
        uint at = 0;
        if (_headerDone < _header.Length)
        {
            int n = (int)Math.Min((uint)(_header.Length - _headerDone), capacity);
            RecordNumBuffers(buffer, _headerDone, n);
            buffer.TryCopyFrom(0, _header.Slice(_headerDone, n));
            _headerDone += n;
            at = (uint)n;
        }
        if (_headerDone == _header.Length && at < capacity && _frameDone < _frame.Length)
        {
            int n = (int)Math.Min((uint)(_frame.Length - _frameDone), capacity - at);
            buffer.TryCopyFrom(at, _frame.Slice(_frameDone, n));
            _frameDone += n;
            at += (uint)n;
        }
        return at;
    }

    /// <summary>Writes num_buffers (little-endian) where the header put it. The bytes were already dirty-logged.</summary>
    public readonly void PatchNumBuffers(ushort count)
    {
        _lowWindow.TryWriteByte(_lowOffset, (byte)count);
        _highWindow.TryWriteByte(_highOffset, (byte)(count >> 8));
    }

    private void RecordNumBuffers(GuestWindow buffer, int headerStart, int count)
    {
        int low = VirtioNetHeader.NumBuffersOffset;
        if (low >= headerStart && low < headerStart + count)
        {
            _lowWindow = buffer;
            _lowOffset = (ulong)(low - headerStart);
        }
        if (low + 1 >= headerStart && low + 1 < headerStart + count)
        {
            _highWindow = buffer;
            _highOffset = (ulong)(low + 1 - headerStart);
        }
    }
}
