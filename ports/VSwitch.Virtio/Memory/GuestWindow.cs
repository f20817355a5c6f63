using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace VSwitch.Virtio.Memory;

/// <summary>
/// A range of guest memory already checked by <see cref="GuestMemory.TryGetWindow"/>, for structures that are
/// read again and again (ring areas, indirect descriptor tables). Every accessor checks its offset against
/// the window's length, so a window can be indexed with guest-supplied values. Valid only while the
/// <see cref="GuestMemory"/> snapshot it came from is (its mappings stay alive). Not thread-safe for writes
/// to the same bytes; a plain value type with no ownership.
/// </summary>
public readonly unsafe struct GuestWindow
{
    private readonly byte* _base;

    internal GuestWindow(byte* basePointer, ulong length, GuestAddress start)
    {
        _base = basePointer;
        Length = length;
        Start = start;
    }

    /// <summary>Guest-physical address of the first byte.</summary>
    public GuestAddress Start { get; }

    /// <summary>Number of bytes in the window.</summary>
    public ulong Length { get; }

    /// <summary>True for a default (unresolved) window.</summary>
    public bool IsEmpty => _base == null;

    /// <summary>Guest-physical address of byte <paramref name="offset"/> (no check; for dirty logging).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public GuestAddress AddressOf(ulong offset) => new(Start.Value + offset);

    /// <summary>Reads a little-endian u16 at <paramref name="offset"/> (plain load). False if it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadU16(ulong offset, out ushort value)
    {
        if (Fits(offset, 2))
        {
            // SAFETY: offset + 2 <= Length, checked by Fits; the window lies inside a mapped region.
            value = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(_base + offset, 2));
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Reads a little-endian u16 at <paramref name="offset"/> with acquire semantics (needs 2-byte host alignment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLoadAcquireU16(ulong offset, out ushort value)
    {
        if (Fits(offset, 2) && (((nuint)_base + (nuint)offset) & 1) == 0)
        {
            // SAFETY: offset + 2 <= Length, checked by Fits, and the address is aligned, so the load is atomic.
            ushort raw = Volatile.Read(ref *(ushort*)(_base + offset));
            value = BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Writes a little-endian u16 at <paramref name="offset"/> with release semantics (needs 2-byte host alignment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryStoreReleaseU16(ulong offset, ushort value)
    {
        if (Fits(offset, 2) && (((nuint)_base + (nuint)offset) & 1) == 0)
        {
            ushort raw = BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
            // SAFETY: offset + 2 <= Length, checked by Fits, and the address is aligned, so the store is atomic.
            Volatile.Write(ref *(ushort*)(_base + offset), raw);
            return true;
        }
        return false;
    }

    /// <summary>Writes a little-endian u16 at <paramref name="offset"/> (plain store). False if it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWriteU16(ulong offset, ushort value)
    {
        if (Fits(offset, 2))
        {
            // SAFETY: offset + 2 <= Length, checked by Fits.
            BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(_base + offset, 2), value);
            return true;
        }
        return false;
    }

    /// <summary>Writes two little-endian u32 values at <paramref name="offset"/> (a used ring element). False if they do not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWriteU32Pair(ulong offset, uint first, uint second)
    {
        if (Fits(offset, 8))
        {
            // SAFETY: offset + 8 <= Length, checked by Fits.
            var s = new Span<byte>(_base + offset, 8);
            BinaryPrimitives.WriteUInt32LittleEndian(s, first);
            BinaryPrimitives.WriteUInt32LittleEndian(s[4..], second);
            return true;
        }
        return false;
    }

    /// <summary>Reads 16 bytes at <paramref name="offset"/> as a split-ring descriptor. False if they do not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadDescriptorBytes(ulong offset, out ulong address, out uint length, out ushort flags, out ushort next)
    {
        if (Fits(offset, 16))
        {
            // SAFETY: offset + 16 <= Length, checked by Fits.
            var s = new ReadOnlySpan<byte>(_base + offset, 16);
            address = BinaryPrimitives.ReadUInt64LittleEndian(s);
            length = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
            flags = BinaryPrimitives.ReadUInt16LittleEndian(s[12..]);
            next = BinaryPrimitives.ReadUInt16LittleEndian(s[14..]);
            return true;
        }
        address = 0;
        length = 0;
        flags = 0;
        next = 0;
        return false;
    }

    /// <summary>
    /// Writes the length (le32 at <paramref name="offset"/> + 8) and id (le16 at + 12) of a packed-ring used descriptor
    /// at <paramref name="offset"/>, and nothing else: the flags at + 14 belong to the release store that publishes it
    /// (a wider store would clear them for a moment, and a cleared flags word reads as "used" in every other lap).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWritePackedUsedBody(ulong offset, uint length, ushort id)
    {
        if (Fits(offset, 16))
        {
            // SAFETY: offset + 16 <= Length, checked by Fits; only bytes 8..13 are written.
            var s = new Span<byte>(_base + offset + 8, 6);
            BinaryPrimitives.WriteUInt32LittleEndian(s, length);
            BinaryPrimitives.WriteUInt16LittleEndian(s[4..], id);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Reads the address, length and id of a packed-ring descriptor at <paramref name="offset"/> (bytes 0..13; the flags
    /// at byte 14 are read by the caller first, with acquire, VIRTIO 1.2 §2.8.21). False if the descriptor does not fit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadPackedDescriptorBody(ulong offset, out ulong address, out uint length, out ushort id)
    {
        if (Fits(offset, 16))
        {
            // SAFETY: offset + 16 <= Length, checked by Fits.
            var s = new ReadOnlySpan<byte>(_base + offset, 14);
            address = BinaryPrimitives.ReadUInt64LittleEndian(s);
            length = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
            id = BinaryPrimitives.ReadUInt16LittleEndian(s[12..]);
            return true;
        }
        address = 0;
        length = 0;
        id = 0;
        return false;
    }

    /// <summary>True when the first byte's host address is a multiple of <paramref name="alignment"/> (a power of two).</summary>
    public bool IsHostAligned(uint alignment) => ((nuint)_base & (alignment - 1)) == 0;

    /// <summary>Copies guest bytes starting at <paramref name="offset"/> into <paramref name="destination"/>. False if they do not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryCopyTo(ulong offset, Span<byte> destination)
    {
        if (Fits(offset, (ulong)destination.Length))
        {
            // SAFETY: offset + destination.Length <= Length, checked by Fits.
            new ReadOnlySpan<byte>(_base + offset, destination.Length).CopyTo(destination);
            return true;
        }
        return false;
    }

    /// <summary>Copies <paramref name="source"/> into guest memory starting at <paramref name="offset"/>. False if it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryCopyFrom(ulong offset, ReadOnlySpan<byte> source)
    {
        if (Fits(offset, (ulong)source.Length))
        {
            // SAFETY: offset + source.Length <= Length, checked by Fits.
            source.CopyTo(new Span<byte>(_base + offset, source.Length));
            return true;
        }
        return false;
    }

    /// <summary>Writes one byte at <paramref name="offset"/>. False if it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWriteByte(ulong offset, byte value)
    {
        if (Fits(offset, 1))
        {
            // SAFETY: offset < Length, checked by Fits.
            _base[offset] = value;
            return true;
        }
        return false;
    }

    /// <summary>
    /// A raw pointer to <paramref name="length"/> bytes at <paramref name="offset"/>, for zero-copy packets that lend
    /// guest memory (<c>PacketBuffer.AttachExternal</c>). False if they do not fit. Valid as long as the window is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetPointer(ulong offset, uint length, out byte* pointer)
    {
        if (Fits(offset, length))
        {
            // SAFETY: offset + length <= Length, checked by Fits, so the pointer and the length it is lent with stay inside.
            pointer = _base + offset;
            return true;
        }
        pointer = null;
        return false;
    }

    /// <summary>
    /// Hints the CPU to start loading the cache line that holds byte <paramref name="offset"/> (x86 PREFETCHT0; nothing
    /// elsewhere). Only a hint: no value is read, nothing happens when the offset is outside the window.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ulong offset)
    {
        if (Sse.IsSupported && offset < Length)
        {
            // SAFETY: offset < Length, so the address lies inside the window (a prefetch never faults anyway).
            Sse.Prefetch0(_base + offset);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Fits(ulong offset, ulong size) => offset <= Length && size <= Length - offset;
}
