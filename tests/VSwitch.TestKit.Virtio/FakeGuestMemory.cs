using System.Runtime.CompilerServices;
using VSwitch.Virtio.Memory;

namespace VSwitch.TestKit.Virtio;

/// <summary>
/// Guest RAM for tests (rust-vmm <c>GuestMemoryMmap</c> over anonymous memory): regions at chosen guest-physical
/// addresses, each backed by a pinned array with guard bytes filled with a poison value on both sides, so a test can
/// prove that nothing was written outside the regions (<see cref="GuardsIntact"/>). Each region's host address is
/// 4 KiB aligned. <see cref="Memory"/> is the <see cref="GuestMemory"/> snapshot the code under test sees.
/// The driver side (tests, <see cref="DriverSideQueue"/>) reads and writes through <see cref="Span"/>.
/// </summary>
public sealed unsafe class FakeGuestMemory
{
    /// <summary>Default guard size on each side of a region.</summary>
    public const int DefaultGuardBytes = 4096;

    /// <summary>Default poison value of guard bytes.</summary>
    public const byte DefaultPoison = 0xA5;

    /// <summary>Offset added to a region's guest address to make its (fake) frontend user address.</summary>
    public const ulong UserAddressOffset = 0x7f00_0000_0000;

    private readonly byte[][] _backing;
    private readonly int[] _hostOffsets;
    private readonly GuestRegion[] _regions;

    /// <summary>One region of <paramref name="size"/> bytes at guest address <paramref name="guestBase"/>.</summary>
    public FakeGuestMemory(ulong guestBase, int size, int guardBytes = DefaultGuardBytes, byte poison = DefaultPoison)
        : this([(guestBase, size)], guardBytes, poison)
    {
    }

    /// <summary>Several regions, each <c>(guest base, size)</c>; they must not overlap.</summary>
    public FakeGuestMemory((ulong GuestBase, int Size)[] regions, int guardBytes = DefaultGuardBytes, byte poison = DefaultPoison)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(guardBytes);
        Poison = poison;
        GuardBytes = guardBytes;
        _backing = new byte[regions.Length][];
        _hostOffsets = new int[regions.Length];
        _regions = new GuestRegion[regions.Length];
        for (int i = 0; i < regions.Length; i++)
        {
            (ulong gpa, int size) = regions[i];
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
            byte[] array = GC.AllocateArray<byte>(checked(size + (2 * guardBytes) + 4096), pinned: true);
            array.AsSpan().Fill(poison);
            // SAFETY: the array lives on the pinned object heap, so its address never changes.
            nint start = (nint)Unsafe.AsPointer(ref array[0]);
            nint host = (start + guardBytes + 4095) & ~(nint)4095;
            _hostOffsets[i] = (int)(host - start);
            array.AsSpan(_hostOffsets[i], size).Clear();
            _backing[i] = array;
            _regions[i] = new GuestRegion(gpa, (ulong)size, gpa + UserAddressOffset, host);
        }
        Memory = new GuestMemory(_regions);
    }

    /// <summary>
    /// The snapshot handed to the code under test. It holds raw pointers into this object's pinned arrays, so keep
    /// this object reachable for as long as the snapshot is used (as a real mapping must outlive its snapshot).
    /// </summary>
    public GuestMemory Memory { get; }

    /// <summary>The guard fill value.</summary>
    public byte Poison { get; }

    /// <summary>Guaranteed guard bytes on each side of every region (the real guards may be larger because of alignment).</summary>
    public int GuardBytes { get; }

    /// <summary>The regions (with host addresses).</summary>
    public ReadOnlySpan<GuestRegion> Regions => _regions;

    /// <summary>The bytes <c>[gpa, gpa + length)</c>, which must lie in one region (throws otherwise: test bug).</summary>
    public Span<byte> Span(ulong gpa, int length)
    {
        for (int i = 0; i < _regions.Length; i++)
        {
            GuestRegion r = _regions[i];
            if (gpa >= r.GuestBase && gpa - r.GuestBase <= r.Size && (ulong)length <= r.Size - (gpa - r.GuestBase))
            {
                return _backing[i].AsSpan(_hostOffsets[i] + (int)(gpa - r.GuestBase), length);
            }
        }
        throw new ArgumentOutOfRangeException(nameof(gpa), $"[{gpa:x}, +{length}) is not inside one fake region.");
    }

    /// <summary>The host address behind <c>[gpa, gpa + length)</c>, which must lie inside one region (for driver-side queues).</summary>
    public nint HostAddressOf(ulong gpa, ulong length)
    {
        foreach (GuestRegion r in _regions)
        {
            if (gpa >= r.GuestBase && gpa - r.GuestBase <= r.Size && length <= r.Size - (gpa - r.GuestBase))
            {
                return r.HostAddress + (nint)(gpa - r.GuestBase);
            }
        }
        throw new ArgumentException("The area must lie inside one fake region.", nameof(gpa));
    }

    /// <summary>Copies <paramref name="data"/> to <paramref name="gpa"/>.</summary>
    public void Write(ulong gpa, ReadOnlySpan<byte> data) => data.CopyTo(Span(gpa, data.Length));

    /// <summary>A copy of <paramref name="length"/> bytes at <paramref name="gpa"/>.</summary>
    public byte[] Read(ulong gpa, int length) => Span(gpa, length).ToArray();

    /// <summary>Fills every region with <paramref name="value"/> (guards untouched).</summary>
    public void FillRegions(byte value)
    {
        for (int i = 0; i < _regions.Length; i++)
        {
            _backing[i].AsSpan(_hostOffsets[i], (int)_regions[i].Size).Fill(value);
        }
    }

    /// <summary>True when every byte outside the regions still holds the poison value.</summary>
    public bool GuardsIntact()
    {
        for (int i = 0; i < _backing.Length; i++)
        {
            byte[] a = _backing[i];
            int start = _hostOffsets[i];
            int end = start + (int)_regions[i].Size;
            if (a.AsSpan(0, start).ContainsAnyExcept(Poison) || a.AsSpan(end).ContainsAnyExcept(Poison))
            {
                return false;
            }
        }
        return true;
    }
}
