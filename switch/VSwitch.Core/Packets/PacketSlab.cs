using System.Runtime.CompilerServices;

namespace VSwitch.Core.Packets;

/// <summary>What memory a <see cref="PacketSlab"/> lives in.</summary>
public enum PacketSlabBacking
{
    /// <summary>A pinned managed array: 4 KiB pages, one TLB entry per page.</summary>
    Heap,

    /// <summary>An anonymous mapping aligned to 2 MiB and advised MADV_HUGEPAGE (the kernel backs it with huge pages when it can).</summary>
    TransparentHugePages,

    /// <summary>An anonymous MAP_HUGETLB mapping: reserved 2 MiB huge pages, one TLB entry per 2 MiB.</summary>
    HugeTlb,
}

/// <summary>
/// The contiguous memory a <see cref="PacketPool"/> carves its slots from. <see cref="Address"/> is 64-byte aligned
/// and stays valid until <see cref="Dispose"/>; the pool that owns a slab disposes it. Who provides the memory (the
/// managed heap here, an mmap of huge pages in the native layer) is not the pool's business.
/// </summary>
public abstract unsafe class PacketSlab : IDisposable
{
    private int _disposed;

    /// <summary>Describes <paramref name="length"/> usable bytes at <paramref name="address"/> (64-byte aligned).</summary>
    protected PacketSlab(nint address, nuint length, PacketSlabBacking backing, nuint mappedBytes)
    {
        if (address == 0 || (address & 63) != 0)
        {
            throw new ArgumentException("A packet slab must be 64-byte aligned.", nameof(address));
        }
        Address = (byte*)address;
        Length = length;
        Backing = backing;
        MappedBytes = mappedBytes;
    }

    /// <summary>First byte of the slab (64-byte aligned).</summary>
    public byte* Address { get; }

    /// <summary>Usable bytes.</summary>
    public nuint Length { get; }

    /// <summary>The memory the slab got.</summary>
    public PacketSlabBacking Backing { get; }

    /// <summary>Bytes the slab holds from the system (a mapping is rounded up to whole 2 MiB pages).</summary>
    public nuint MappedBytes { get; }

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Gives the memory back (once). No buffer of the slab may be used afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Returns the memory to the system; called once.</summary>
    protected abstract void Release();
}

/// <summary>
/// Provides the slabs of packet pools. <see cref="Default"/> is the process-wide choice that pools use when they are
/// given none: the managed heap unless the composition root (the daemon, a benchmark) installs a huge-page allocator
/// before it creates its first pool, as a DPDK application fixes its memory configuration once at start.
/// </summary>
public abstract class PacketSlabAllocator
{
    private static PacketSlabAllocator s_default = HeapPacketSlabAllocator.Instance;

    /// <summary>Pinned managed arrays: always available, never uses huge pages.</summary>
    public static PacketSlabAllocator Heap => HeapPacketSlabAllocator.Instance;

    /// <summary>The allocator of pools created without one. Set by the composition root at start.</summary>
    public static PacketSlabAllocator Default
    {
        get => Volatile.Read(ref s_default);
        set => Volatile.Write(ref s_default, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>
    /// A slab of at least <paramref name="bytes"/> bytes for a pool of <paramref name="slots"/> slots of
    /// <paramref name="slotSize"/> bytes. Never fails for lack of huge pages: an implementation falls back to the heap.
    /// Control side (it may allocate and log).
    /// </summary>
    public abstract PacketSlab Allocate(nuint bytes, int slots, int slotSize);
}

/// <summary>The heap allocator: one pinned array per slab (pinned object heap), 64 bytes over to align the start.</summary>
internal sealed class HeapPacketSlabAllocator : PacketSlabAllocator
{
    public static readonly HeapPacketSlabAllocator Instance = new();

    public override PacketSlab Allocate(nuint bytes, int slots, int slotSize) => new HeapPacketSlab(bytes);
}

/// <summary>
/// A pinned managed array. Releasing it does nothing: the array stays reachable through the pool and its buffers, so a
/// buffer used after the pool's disposal (a bug) still points at live memory, and the GC frees it with the pool.
/// </summary>
public sealed unsafe class HeapPacketSlab : PacketSlab
{
    private readonly byte[] _storage;

    /// <summary>A pinned array of <paramref name="bytes"/> + 64 bytes, used from its first 64-byte boundary.</summary>
    public HeapPacketSlab(nuint bytes)
        : this(GC.AllocateUninitializedArray<byte>(checked((int)bytes + 64), pinned: true), bytes)
    {
    }

    private HeapPacketSlab(byte[] storage, nuint bytes)
        : base(Align(storage), bytes, PacketSlabBacking.Heap, (nuint)storage.Length)
    {
        _storage = storage;
    }

    // SAFETY: the array is on the pinned object heap, so its address never changes while _storage holds it.
    private static nint Align(byte[] storage) =>
        (nint)(((nuint)Unsafe.AsPointer(ref storage[0]) + 63) & ~(nuint)63);

    /// <inheritdoc />
    protected override void Release()
    {
    }

    /// <summary>Keeps the array alive as long as the slab (the pointers into it are not GC references).</summary>
    internal int StorageLength => _storage.Length;
}
