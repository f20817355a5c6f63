using System.Runtime.CompilerServices;
using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Net;

/// <summary>
/// Where the copy of one packet (header, then frame) into guest buffers stands. Remembers where header bytes 10 and
/// 11 (num_buffers) landed, which may be two different descriptors, both as a window (to write) and as a
/// guest-physical address (to dirty-log), so the count can be patched once the number of buffers is known.
/// Stack-only; one per packet.
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
    private GuestAddress _lowAddress;
    private GuestAddress _highAddress;

    public WriteCursor(ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame)
    {
        _header = header;
        _frame = frame;
    }

    /// <summary>True when the header and the whole frame are written.</summary>
    public readonly bool Done => _frameDone == _frame.Length && _headerDone == _header.Length;

    /// <summary>
    /// Writes as much as fits into <paramref name="buffer"/> (capacity <paramref name="capacity"/>, at guest-physical
    /// <paramref name="address"/>) and returns the bytes written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint WriteInto(GuestWindow buffer, uint capacity, GuestAddress address)
    {
        uint at = 0;
        if (_headerDone < _header.Length)
        {
            int n = (int)Math.Min((uint)(_header.Length - _headerDone), capacity);
            RecordNumBuffers(buffer, address, _headerDone, n);
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

    /// <summary>
    /// Writes num_buffers (little-endian) where the header put it, then dirty-logs both bytes in <paramref name="log"/>.
    /// The header's page was logged when it was written, but a mark only counts for writes before it: the front-end
    /// may read and clear the bit, and copy the page, between that mark and this patch (vhost-user spec, "Migration":
    /// the back-end logs after it writes). So the patch is logged again, after the write.
    /// </summary>
    public readonly void PatchNumBuffers(ushort count, DirtyLog? log)
    {
        _lowWindow.TryWriteByte(_lowOffset, (byte)count);
        _highWindow.TryWriteByte(_highOffset, (byte)(count >> 8));
        if (log is not null)
        {
            log.Mark(_lowAddress, 1);
            log.Mark(_highAddress, 1);
        }
    }

    private void RecordNumBuffers(GuestWindow buffer, GuestAddress address, int headerStart, int count)
    {
        int low = VirtioNetHeader.NumBuffersOffset;
        if (low >= headerStart && low < headerStart + count)
        {
            _lowWindow = buffer;
            _lowOffset = (ulong)(low - headerStart);
            _lowAddress = new GuestAddress(address.Value + _lowOffset);
        }
        if (low + 1 >= headerStart && low + 1 < headerStart + count)
        {
            _highWindow = buffer;
            _highOffset = (ulong)(low + 1 - headerStart);
            _highAddress = new GuestAddress(address.Value + _highOffset);
        }
    }
}
