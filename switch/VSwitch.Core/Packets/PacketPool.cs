using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace VSwitch.Core.Packets;

/// <summary>
/// A preallocated freelist of <see cref="PacketBuffer"/>s carved out of one pinned array
/// (the Snabb packet freelist, the DPDK mempool). Design note: a pool belongs to one thread at a time
/// (a datapath thread, or a test); <see cref="TryRent"/> and <see cref="Return"/> are not thread-safe and
/// take no lock. Each slot is <c>headroom + dataRoom</c> bytes rounded up to a cache line. Renting and
/// returning are a few loads and stores; nothing is allocated after construction.
/// The slots live in a <see cref="PacketSlab"/> from a <see cref="PacketSlabAllocator"/> (by default
/// <see cref="PacketSlabAllocator.Default"/>: the heap, or huge pages when the daemon chose them), which the pool owns:
/// <see cref="Dispose"/> gives it back once no buffer of the pool is in use any more.
/// </summary>
public sealed unsafe class PacketPool : IDisposable
{
    /// <summary>Default headroom in front of each packet, enough for pushed VLAN tags and a virtio-net header.</summary>
    public const int DefaultHeadroom = 128;

    /// <summary>Default data room: a 9,000-byte MTU frame plus Ethernet and VLAN headers, rounded up.</summary>
    public const int DefaultDataRoom = 9216 + 64;

    private readonly PacketSlab _slab;
    private readonly PacketBuffer[] _free;
    private int _freeCount;

    /// <summary>Creates a pool of <paramref name="count"/> buffers in a slab of <see cref="PacketSlabAllocator.Default"/>.</summary>
    public PacketPool(int count, int dataRoom = DefaultDataRoom, int headroom = DefaultHeadroom)
        : this(count, dataRoom, headroom, null)
    {
    }

    /// <summary>
    /// Creates a pool of <paramref name="count"/> buffers in a slab of <paramref name="allocator"/> (null: the default).
    /// </summary>
    public PacketPool(int count, int dataRoom, int headroom, PacketSlabAllocator? allocator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dataRoom);
        ArgumentOutOfRangeException.ThrowIfNegative(headroom);
        int slotSize = (headroom + dataRoom + 63) & ~63;
        nuint bytes = (nuint)checked(slotSize * count);
        _slab = (allocator ?? PacketSlabAllocator.Default).Allocate(bytes, count, slotSize);
        if (_slab.Length < bytes || ((nuint)_slab.Address & 63) != 0)
        {
            _slab.Dispose();
            throw new InvalidOperationException("The slab allocator returned a slab that is too small or misaligned.");
        }
        _free = new PacketBuffer[count];
        // SAFETY: the slab stays mapped (or pinned) until Dispose, and holds count slots of slotSize bytes from a
        // 64-byte aligned start.
        byte* basePtr = _slab.Address;
        for (int i = 0; i < count; i++)
        {
            var buffer = new PacketBuffer(this, basePtr + ((long)i * slotSize), slotSize, headroom) { InPool = true };
            _free[i] = buffer;
        }
        _freeCount = count;
        Count = count;
        SlotSize = slotSize;
        DataRoom = slotSize - headroom;
    }

    /// <summary>Total number of buffers the pool owns.</summary>
    public int Count { get; }

    /// <summary>Bytes per buffer slot (headroom + data room, cache-line aligned).</summary>
    public int SlotSize { get; }

    /// <summary>Largest packet a buffer of this pool holds at the default headroom (<see cref="PacketBuffer.DataRoom"/>).</summary>
    public int DataRoom { get; }

    /// <summary>The memory the slots live in (heap, transparent huge pages or hugetlb pages).</summary>
    public PacketSlabBacking Backing => _slab.Backing;

    /// <summary>Bytes the slab holds from the system (whole 2 MiB pages for a huge-page mapping).</summary>
    public nuint SlabBytes => _slab.MappedBytes;

    /// <summary>Address of the first slot (64-byte aligned), for diagnostics and tests.</summary>
    public nint SlabAddress => (nint)_slab.Address;

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed => _slab.IsDisposed;

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

    /// <summary>
    /// Gives the slab back (unmaps a huge-page mapping). The owner calls it once no buffer of the pool is in use: after
    /// its datapath thread stopped, or after the port's rings were quiesced. Idempotent.
    /// </summary>
    public void Dispose() => _slab.Dispose();

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadReturn() =>
        throw new InvalidOperationException("Packet buffer returned twice or to the wrong pool.");
}
