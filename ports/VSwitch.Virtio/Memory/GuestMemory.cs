using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VSwitch.Virtio.Memory;

/// <summary>
/// The one bounds-checked door from guest-physical addresses to host memory (vm-memory
/// <c>GuestMemoryMmap</c>). Design note: an immutable snapshot of the regions that are mapped right now;
/// the control plane builds a new instance when the frontend changes the memory table and publishes it,
/// and datapath threads pass the instance they read to every ring operation. Every access checks that the
/// whole range <c>[address, address + length)</c> lies inside ONE region, with arithmetic that cannot
/// wrap. The object never maps or unmaps anything: whoever built it keeps the bytes mapped until no
/// thread can still use the snapshot. Thread-safe (immutable). Cost: a linear scan over the regions
/// (at most a few) per access; nothing is allocated after construction.
/// </summary>
public sealed unsafe class GuestMemory
{
    private readonly GuestRegion[] _regions;

    /// <summary>Creates a snapshot over <paramref name="regions"/> (copied).</summary>
    /// <exception cref="ArgumentException">A region has size zero, wraps around the 64-bit address space
    /// (guest, user or host side), has a null host address, or overlaps another region in guest-physical
    /// or user address space.</exception>
    public GuestMemory(ReadOnlySpan<GuestRegion> regions)
    {
        _regions = regions.ToArray();
        for (int i = 0; i < _regions.Length; i++)
        {
            ref readonly GuestRegion r = ref _regions[i];
            if (r.Size == 0)
            {
                throw new ArgumentException($"Region {i} has size zero.", nameof(regions));
            }
            if (r.HostAddress == 0)
            {
                throw new ArgumentException($"Region {i} has no host address.", nameof(regions));
            }
            if (Wraps(r.GuestBase, r.Size) || Wraps(r.UserAddress, r.Size) || Wraps((ulong)r.HostAddress, r.Size))
            {
                throw new ArgumentException($"Region {i} wraps around the address space.", nameof(regions));
            }
            for (int j = 0; j < i; j++)
            {
                ref readonly GuestRegion o = ref _regions[j];
                if (Overlaps(r.GuestBase, r.Size, o.GuestBase, o.Size))
                {
                    throw new ArgumentException($"Regions {j} and {i} overlap in guest-physical space.", nameof(regions));
                }
                if (Overlaps(r.UserAddress, r.Size, o.UserAddress, o.Size))
                {
                    throw new ArgumentException($"Regions {j} and {i} overlap in user address space.", nameof(regions));
                }
            }
        }
    }

    /// <summary>A snapshot with no regions: every access fails.</summary>
    public static GuestMemory Empty { get; } = new(ReadOnlySpan<GuestRegion>.Empty);

    /// <summary>The regions of this snapshot.</summary>
    public ReadOnlySpan<GuestRegion> Regions => _regions;

    /// <summary>
    /// A span over <paramref name="length"/> guest bytes at <paramref name="address"/>. False when any byte of the
    /// range is outside one single region, or <paramref name="length"/> exceeds <see cref="int.MaxValue"/>.
    /// The span is valid while the snapshot's mappings are (see the type's design note).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetSpan(GuestAddress address, uint length, out Span<byte> span)
    {
        if (length <= int.MaxValue && TryResolve(address.Value, length, out byte* p))
        {
            // SAFETY: TryResolve checked [address, address + length) lies inside one mapped region.
            span = new Span<byte>(p, (int)length);
            return true;
        }
        span = default;
        return false;
    }

    /// <summary>Like <see cref="TryGetSpan"/> but gives a raw pointer (for zero-copy packets). Same bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetPointer(GuestAddress address, uint length, out byte* pointer) =>
        TryResolve(address.Value, length, out pointer);

    /// <summary>
    /// A checked window over <paramref name="length"/> guest bytes, for structures read many times (ring areas,
    /// indirect tables). Same rule as <see cref="TryGetSpan"/>; the window is valid while the snapshot's mappings are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetWindow(GuestAddress address, uint length, out GuestWindow window)
    {
        if (TryResolve(address.Value, length, out byte* p))
        {
            window = new GuestWindow(p, length, address);
            return true;
        }
        window = default;
        return false;
    }

    /// <summary>
    /// Translates a frontend virtual address (vhost-user ring addresses) to a guest-physical address. The whole
    /// range <c>[userAddress, userAddress + length)</c> must lie in one region; a zero length still requires the
    /// start to be inside a region.
    /// </summary>
    public bool TryTranslateUserAddress(ulong userAddress, ulong length, out GuestAddress address)
    {
        for (int i = 0; i < _regions.Length; i++)
        {
            ref readonly GuestRegion r = ref _regions[i];
            ulong offset = userAddress - r.UserAddress;
            if (userAddress >= r.UserAddress && offset < r.Size && length <= r.Size - offset)
            {
                address = new GuestAddress(r.GuestBase + offset);
                return true;
            }
        }
        address = default;
        return false;
    }

    /// <summary>Reads an unmanaged value (host byte order, unaligned) at <paramref name="a"/>. False if out of range.</summary>
    public bool TryRead<T>(GuestAddress a, out T value) where T : unmanaged
    {
        if (TryResolve(a.Value, (uint)sizeof(T), out byte* p))
        {
            // SAFETY: sizeof(T) bytes at p are inside one mapped region (checked by TryResolve).
            value = Unsafe.ReadUnaligned<T>(p);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Writes an unmanaged value (host byte order, unaligned) at <paramref name="a"/>. False if out of range.</summary>
    public bool TryWrite<T>(GuestAddress a, in T value) where T : unmanaged
    {
        if (TryResolve(a.Value, (uint)sizeof(T), out byte* p))
        {
            // SAFETY: sizeof(T) bytes at p are inside one mapped region (checked by TryResolve).
            Unsafe.WriteUnaligned(p, value);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Reads a little-endian 16-bit ring field with acquire semantics (<see cref="Volatile.Read(ref readonly ushort)"/>).
    /// False if out of range or not 2-byte aligned in host memory (an unaligned access would not be atomic).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLoadAcquireU16(GuestAddress a, out ushort value)
    {
        if (TryResolve(a.Value, sizeof(ushort), out byte* p) && ((nuint)p & 1) == 0)
        {
            // SAFETY: two aligned bytes at p are inside one mapped region (checked just above).
            ushort raw = Volatile.Read(ref *(ushort*)p);
            value = BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Writes a little-endian 16-bit ring field with release semantics. Same checks as <see cref="TryLoadAcquireU16"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryStoreReleaseU16(GuestAddress a, ushort value)
    {
        if (TryResolve(a.Value, sizeof(ushort), out byte* p) && ((nuint)p & 1) == 0)
        {
            ushort raw = BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
            // SAFETY: two aligned bytes at p are inside one mapped region (checked just above).
            Volatile.Write(ref *(ushort*)p, raw);
            return true;
        }
        return false;
    }

    /// <summary>The region lookup every accessor goes through. Checked arithmetic: no sum is ever formed that could wrap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryResolve(ulong address, ulong length, out byte* pointer)
    {
        GuestRegion[] regions = _regions;
        for (int i = 0; i < regions.Length; i++)
        {
            ref readonly GuestRegion r = ref regions[i];
            ulong offset = address - r.GuestBase;
            // address >= base and offset < size place the start inside; length <= size - offset places the end
            // inside, without computing address + length (which could wrap).
            if (address >= r.GuestBase && offset < r.Size && length <= r.Size - offset)
            {
                // SAFETY: offset < r.Size, so the pointer stays inside the region's mapping (which does not wrap,
                // checked by the constructor); the caller may touch only the length checked on the line above.
                pointer = (byte*)r.HostAddress + offset;
                return true;
            }
        }
        pointer = null;
        return false;
    }

    private static bool Wraps(ulong start, ulong size) => size - 1 > ulong.MaxValue - start;

    private static bool Overlaps(ulong aStart, ulong aSize, ulong bStart, ulong bSize) =>
        aStart < bStart ? bStart - aStart < aSize : aStart - bStart < bSize;
}
