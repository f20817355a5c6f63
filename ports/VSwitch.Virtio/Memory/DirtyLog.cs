using System.Numerics;
using System.Runtime.CompilerServices;

namespace VSwitch.Virtio.Memory;

/// <summary>
/// The dirty-page bitmap shared with the frontend during live migration (vhost-user <c>SET_LOG_BASE</c>,
/// feature <c>VHOST_F_LOG_ALL</c>): bit N (bit N%8 of byte N/8) stands for guest-physical page N of
/// <see cref="PageSize"/> bytes. Design note: the bitmap memory belongs to whoever mapped it and must stay
/// mapped while any thread can still hold this object. Several datapath threads may mark pages at once,
/// and the frontend reads and clears bits concurrently, so every bit is set with an atomic OR of its byte.
/// A byte that already has all wanted bits set is left alone (no atomic operation). Pages beyond the
/// bitmap are ignored and counted. Thread-safe. No allocation after construction.
/// Counting (<see cref="PagesMarked"/>): only a compare-exchange that set bits counts them, so a write to pages already
/// dirty costs nothing extra; one that dirtied pages adds one interlocked add to a counter stripe picked by thread id
/// (eight stripes, a cache line each), so datapath threads do not share a counter line. The frontend clears bits as it
/// copies pages, so the count grows with every page the switch dirties again after that.
/// </summary>
public sealed unsafe class DirtyLog
{
    /// <summary>Bytes per logged page (vhost-user <c>VHOST_LOG_PAGE</c>).</summary>
    public const int PageSize = 4096;

    private const int PageShift = 12;
    private const int Stripes = 8;
    private const int StripeLongs = 8;

    private readonly byte* _bitmap;
    private readonly ulong _sizeBytes;
    private readonly long[] _marked = new long[Stripes * StripeLongs];
    private long _outOfRange;

    /// <summary>Wraps a bitmap of <paramref name="sizeBytes"/> bytes at <paramref name="bitmap"/>; the caller keeps it mapped.</summary>
    public DirtyLog(nint bitmap, ulong sizeBytes)
    {
        if (bitmap == 0 && sizeBytes != 0)
        {
            throw new ArgumentException("A non-empty bitmap needs an address.", nameof(bitmap));
        }
        _bitmap = (byte*)bitmap;
        _sizeBytes = sizeBytes;
    }

    /// <summary>Size of the bitmap in bytes.</summary>
    public ulong SizeBytes => _sizeBytes;

    /// <summary>Pages that fell outside the bitmap and were not marked (a frontend that sized the log too small).</summary>
    public long OutOfRange => Interlocked.Read(ref _outOfRange);

    /// <summary>
    /// Page bits this log set (found clear, left set) since it was created: the pages the switch dirtied for the
    /// frontend to copy. Any thread; the sum of the stripes, each read atomically.
    /// </summary>
    public long PagesMarked
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _marked.Length; i += StripeLongs)
            {
                sum += Interlocked.Read(ref _marked[i]);
            }
            return sum;
        }
    }

    /// <summary>Pages the bitmap covers, from guest-physical address 0.</summary>
    public ulong PagesCovered => _sizeBytes > (ulong.MaxValue >> 3) ? ulong.MaxValue : _sizeBytes << 3;

    /// <summary>
    /// Marks every page touched by <c>[address, address + length)</c> as dirty. A zero length marks nothing. A
    /// range running past the end of the 64-bit space is clamped there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mark(GuestAddress address, ulong length)
    {
        if (length == 0)
        {
            return;
        }
        ulong first = address.Value >> PageShift;
        ulong lastByte = length - 1 > ulong.MaxValue - address.Value ? ulong.MaxValue : address.Value + (length - 1);
        ulong last = lastByte >> PageShift;
        if (first == last && (first >> 3) < _sizeBytes)
        {
            SetBits(first >> 3, (byte)(1 << (int)(first & 7)));
            return;
        }
        MarkPages(first, last);
    }

    private void MarkPages(ulong first, ulong last)
    {
        ulong pagesInLog = _sizeBytes << 3;
        if (_sizeBytes > (ulong.MaxValue >> 3))
        {
            pagesInLog = ulong.MaxValue;
        }
        if (last >= pagesInLog)
        {
            ulong missing = first >= pagesInLog ? last - first + 1 : last - pagesInLog + 1;
            Interlocked.Add(ref _outOfRange, missing > long.MaxValue ? long.MaxValue : (long)missing);
            if (first >= pagesInLog)
            {
                return;
            }
            last = pagesInLog - 1;
        }
        for (ulong page = first; page <= last;)
        {
            ulong byteIndex = page >> 3;
            int lowBit = (int)(page & 7);
            int highBit = (last >> 3) == byteIndex ? (int)(last & 7) : 7;
            byte mask = (byte)((0xFF >> (7 - highBit)) & (0xFF << lowBit));
            SetBits(byteIndex, mask);
            page = (byteIndex + 1) << 3;
            if (page == 0)
            {
                break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetBits(ulong byteIndex, byte mask)
    {
        // SAFETY: every caller checked byteIndex < _sizeBytes, the size of the mapped bitmap.
        ref byte target = ref _bitmap[byteIndex];
        byte seen = Volatile.Read(ref target);
        while ((seen & mask) != mask)
        {
            byte previous = Interlocked.CompareExchange(ref target, (byte)(seen | mask), seen);
            if (previous == seen)
            {
                CountMarked(BitOperations.PopCount((uint)(mask & ~seen)));
                return;
            }
            seen = previous;
        }
    }

    private void CountMarked(int pages) =>
        Interlocked.Add(ref _marked[(Environment.CurrentManagedThreadId & (Stripes - 1)) * StripeLongs], pages);
}
