namespace VSwitch.TestKit.Virtio;

/// <summary>Guest RAM: memfd regions, the memory table messages, and carving ring areas out of RAM.</summary>
public sealed partial class FakeFrontend
{
    /// <summary>Default guest-physical base of the first region.</summary>
    public const ulong DefaultGuestBase = 0x4000_0000;

    private readonly List<FakeFrontendRegion> _regions = [];
    private ulong _nextArea;

    /// <summary>The guest's RAM regions, in the order they were added.</summary>
    public IReadOnlyList<FakeFrontendRegion> Regions => _regions;

    /// <summary>Adds a memfd region of <paramref name="size"/> bytes at <paramref name="guestBase"/> (default: after the last one).</summary>
    public FakeFrontendRegion AddRegion(long size = 32 << 20, ulong? guestBase = null) => AddRegion(new Memfd(size), guestBase);

    /// <summary>
    /// Adds a region backed by <paramref name="memory"/> (a sealed memfd, a tmpfs or hugetlbfs file...), which the
    /// front-end now owns, at <paramref name="guestBase"/> (default: after the last one).
    /// </summary>
    public FakeFrontendRegion AddRegion(Memfd memory, ulong? guestBase = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ulong gpa = guestBase ?? (_regions.Count == 0 ? DefaultGuestBase : _regions[^1].GuestBase + _regions[^1].Size);
        var region = new FakeFrontendRegion(memory, gpa);
        _regions.Add(region);
        return region;
    }

    /// <summary>SET_MEM_TABLE with every region (one fd each, mmap offset 0).</summary>
    public void SetMemTable()
    {
        byte[] payload = new byte[8 + (32 * _regions.Count)];
        BitConverter.TryWriteBytes(payload, (uint)_regions.Count);
        int[] fds = new int[_regions.Count];
        for (int i = 0; i < _regions.Count; i++)
        {
            FakeFrontendRegion r = _regions[i];
            WriteRegion(payload.AsSpan(8 + (32 * i)), r.GuestBase, r.Size, r.UserAddress, 0);
            fds[i] = r.Memory.Fd;
        }
        Tell(FakeFrontendRequest.SetMemTable, payload, fds);
    }

    /// <summary>ADD_MEM_REG for <paramref name="region"/>.</summary>
    public void AddMemReg(FakeFrontendRegion region) =>
        Tell(FakeFrontendRequest.AddMemReg, SingleRegion(region.GuestBase, region.Size, region.UserAddress, 0), [region.Memory.Fd]);

    /// <summary>REM_MEM_REG for <paramref name="region"/>.</summary>
    public void RemMemReg(FakeFrontendRegion region) =>
        Tell(FakeFrontendRequest.RemMemReg, SingleRegion(region.GuestBase, region.Size, region.UserAddress, 0));

    /// <summary>The single-region payload of ADD/REM_MEM_REG: 8 bytes of padding, then the region.</summary>
    public static byte[] SingleRegion(ulong guestAddress, ulong size, ulong userAddress, ulong mmapOffset)
    {
        byte[] payload = new byte[40];
        WriteRegion(payload.AsSpan(8), guestAddress, size, userAddress, mmapOffset);
        return payload;
    }

    /// <summary>Reserves <paramref name="length"/> bytes (4 KiB aligned) of the first region; returns the guest address.</summary>
    public ulong AllocateArea(ulong length)
    {
        if (_regions.Count == 0)
        {
            AddRegion();
        }
        FakeFrontendRegion first = _regions[0];
        ulong at = (_nextArea + 4095) & ~4095UL;
        if (length > first.Size - at)
        {
            throw new InvalidOperationException("guest RAM exhausted");
        }
        _nextArea = at + length;
        return first.GuestBase + at;
    }

    /// <summary>The front-end user address of guest address <paramref name="gpa"/>.</summary>
    public ulong UserAddressOf(ulong gpa) => RegionOf(gpa, 1).UserAddress + (gpa - RegionOf(gpa, 1).GuestBase);

    /// <summary>Where this process sees guest address <paramref name="gpa"/>.</summary>
    public nint HostAddressOf(ulong gpa)
    {
        FakeFrontendRegion r = RegionOf(gpa, 1);
        return r.Memory.HostAddress + (nint)(gpa - r.GuestBase);
    }

    /// <summary>This process's view of <c>[gpa, gpa + length)</c>.</summary>
    public Span<byte> GuestSpan(ulong gpa, int length)
    {
        FakeFrontendRegion r = RegionOf(gpa, (ulong)length);
        return r.Memory.Span((long)(gpa - r.GuestBase), length);
    }

    private FakeFrontendRegion RegionOf(ulong gpa, ulong length)
    {
        foreach (FakeFrontendRegion r in _regions)
        {
            if (r.Contains(gpa, length))
            {
                return r;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(gpa), $"guest address {gpa:x} is not in guest RAM");
    }
}
