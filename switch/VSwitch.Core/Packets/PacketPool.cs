using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace VSwitch.Core.Packets;

/// <summary>
/// A preallocated freelist of <see cref="PacketBuffer"/>s carved out of one pinned array
/// (the Snabb packet freelist, the DPDK mempool). Design note: a pool belongs to one thread at a time
/// (a datapath thread, or a test); <see cref="TryRent"/> and <see cref="Return"/> are not thread-safe and
/// take no lock. Each slot is <c>headroom + dataRoom</c> bytes rounded up to a cache line. Renting and
/// returning are a few loads and stores; nothing is allocated after construction.
/// </summary>
public sealed unsafe class PacketPool
{
    /// <summary>Default headroom in front of each packet, enough for pushed VLAN tags and a virtio-net header.</summary>
    public const int DefaultHeadroom = 128;

    /// <summary>Default data room: a 9,000-byte MTU frame plus Ethernet and VLAN headers, rounded up.</summary>
    public const int DefaultDataRoom = 9216 + 64;

    private readonly byte[] _storage;
    private readonly PacketBuffer[] _free;
    private int _freeCount;

    /// <summary>Creates a pool of <paramref name="count"/> buffers.</summary>
    public PacketPool(int count, int dataRoom = DefaultDataRoom, int headroom = DefaultHeadroom)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dataRoom);
        ArgumentOutOfRangeException.ThrowIfNegative(headroom);
        int slotSize = (headroom + dataRoom + 63) & ~63;
        _storage = GC.AllocateUninitializedArray<byte>(checked(slotSize * count) + 64, pinned: true);
        _free = new PacketBuffer[count];
        // SAFETY: _storage is pinned for the life of the pool (pinned object heap), so pointers into it stay valid.
        byte* basePtr = (byte*)Unsafe.AsPointer(ref _storage[0]);
        basePtr = (byte*)(((nuint)basePtr + 63) & ~(nuint)63);
        for (int i = 0; i < count; i++)
        {
            var buffer = new PacketBuffer(this, basePtr + ((long)i * slotSize), slotSize, headroom) { InPool = true };
            _free[i] = buffer;
        }
        _freeCount = count;
        Count = count;
        SlotSize = slotSize;
    }

    /// <summary>Total number of buffers the pool owns.</summary>
    public int Count { get; }

    /// <summary>Bytes per buffer slot (headroom + data room, cache-line aligned).</summary>
    public int SlotSize { get; }

    /// <summary>Buffers currently free.</summary>
    public int Available => _freeCount;

    /// <summary>Number of rent attempts that found the pool empty.</summary>
    public long RentFailures { get; private set; }

    /// <summary>
    /// Rents a buffer, reset to an empty owned packet. On success the caller owns the buffer until it
    /// hands it on (e.g. to <c>IPort.Send</c>) or calls <see cref="Return"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRent([NotNullWhen(true)] out PacketBuffer? buffer)
    {
        int n = _freeCount;
        if (n == 0)
        {
            RentFailures++;
            buffer = null;
            return false;
        }
        n--;
        buffer = _free[n];
        _freeCount = n;
        buffer.InPool = false;
        buffer.Reset();
        return true;
    }

    /// <summary>
    /// Takes a buffer back. The caller gives up ownership. Returning a buffer of another pool or returning
    /// twice is a programming error and throws (it would corrupt the freelist).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Return(PacketBuffer buffer)
    {
        if (buffer.InPool || !ReferenceEquals(buffer.Pool, this) || _freeCount == _free.Length)
        {
            ThrowBadReturn();
        }
        buffer.InPool = true;
        _free[_freeCount++] = buffer;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadReturn() =>
        throw new InvalidOperationException("Packet buffer returned twice or to the wrong pool.");
}
