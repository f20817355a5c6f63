using System.Buffers.Binary;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.TestKit.Virtio;

/// <summary>
/// The driver's half of a split virtqueue, written in C# for tests (rust-vmm <c>MockSplitQueue</c>). It lays out the
/// descriptor table, avail ring and used ring at the start of a writable area of guest memory and hands out the rest
/// of the area for buffers and indirect tables. It works over any memory described by a base guest-physical address
/// and a host pointer: a <see cref="FakeGuestMemory"/> region or a shared mapping (memfd) of a vhost-user test
/// frontend. Little-endian ring fields; the avail idx is stored with release semantics. Test code: throws on misuse.
/// Not thread-safe (one driver thread, like a guest vCPU).
/// </summary>
public sealed unsafe partial class DriverSideQueue
{
    private readonly byte* _host;
    private readonly ulong _gpa;
    private readonly ulong _length;
    private readonly Stack<ushort> _freeDescriptors = new();
    private readonly Dictionary<ushort, ushort[]> _chains = new();
    private ulong _nextFree;
    private ushort _availShadow;
    private ushort _lastSeenUsed;

    /// <summary>Lays the rings out in <c>[gpa, gpa + length)</c> of <paramref name="memory"/>, which must be inside one region.</summary>
    public DriverSideQueue(FakeGuestMemory memory, ushort queueSize, ulong gpa, ulong length)
        : this(HostOf(memory, gpa, length), gpa, length, queueSize)
    {
    }

    /// <summary>Lays the rings out in writable memory at host address <paramref name="host"/> that the guest sees at <paramref name="gpa"/>.</summary>
    public DriverSideQueue(nint host, ulong gpa, ulong length, ushort queueSize)
    {
        if (queueSize == 0 || (queueSize & (queueSize - 1)) != 0 || queueSize > SplitQueue.MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(queueSize));
        }
        if ((gpa & 4095) != 0)
        {
            throw new ArgumentException("The area must start on a 4 KiB boundary.", nameof(gpa));
        }
        _host = (byte*)host;
        _gpa = gpa;
        _length = length;
        QueueSize = queueSize;
        DescTable = new GuestAddress(gpa);
        AvailRing = new GuestAddress(gpa + (16u * queueSize));
        UsedRing = new GuestAddress(AlignUp(AvailRing.Value + 6 + (2u * queueSize), 4096));
        _nextFree = AlignUp(UsedRing.Value + 6 + (8u * queueSize), 4096) - gpa;
        if (_nextFree > length)
        {
            throw new ArgumentException("The area is too small for the rings.", nameof(length));
        }
        Span(gpa, (int)_nextFree).Clear();
        for (int i = queueSize - 1; i >= 0; i--)
        {
            _freeDescriptors.Push((ushort)i);
        }
    }

    /// <summary>The queue size.</summary>
    public ushort QueueSize { get; }

    /// <summary>Guest-physical address of the descriptor table.</summary>
    public GuestAddress DescTable { get; }

    /// <summary>Guest-physical address of the avail ring.</summary>
    public GuestAddress AvailRing { get; }

    /// <summary>Guest-physical address of the used ring.</summary>
    public GuestAddress UsedRing { get; }

    /// <summary>The avail idx as the driver will publish it next (including chains not yet published).</summary>
    public ushort AvailIdxShadow => _availShadow;

    /// <summary>The published avail idx.</summary>
    public ushort AvailIdx => ReadU16(AvailRing.Value + 2);

    /// <summary>The used idx the device published.</summary>
    public ushort UsedIdx => ReadU16(UsedRing.Value + 2);

    /// <summary>The used ring's flags (device-written).</summary>
    public ushort UsedFlags => ReadU16(UsedRing.Value);

    /// <summary>avail_event, at the end of the used ring (device-written; meaningful with EVENT_IDX).</summary>
    public ushort AvailEvent => ReadU16(UsedRing.Value + 4 + (8u * QueueSize));

    /// <summary>Descriptors not in any chain.</summary>
    public int FreeDescriptors => _freeDescriptors.Count;

    /// <summary>Configures a device-side queue with this layout (size and addresses).</summary>
    public void Configure(SplitQueue queue, bool eventIdx = false, GuestAddress? usedLog = null)
    {
        if (!queue.TrySetSize(QueueSize))
        {
            throw new InvalidOperationException("size rejected");
        }
        queue.SetAddresses(DescTable, AvailRing, UsedRing, usedLog);
        queue.EventIdx = eventIdx;
    }

    /// <summary>Reserves <paramref name="length"/> bytes of buffer space (aligned to <paramref name="alignment"/>) and returns its address.</summary>
    public ulong Allocate(ulong length, ulong alignment = 16)
    {
        ulong at = AlignUp(_nextFree, alignment);
        if (at > _length || length > _length - at)
        {
            throw new InvalidOperationException("Driver buffer space exhausted.");
        }
        _nextFree = at + length;
        return _gpa + at;
    }

    /// <summary>Allocates a buffer holding <paramref name="data"/> and returns its address.</summary>
    public ulong AllocateWith(ReadOnlySpan<byte> data)
    {
        ulong gpa = Allocate((ulong)Math.Max(data.Length, 1));
        data.CopyTo(Span(gpa, data.Length));
        return gpa;
    }

    /// <summary>The driver's view of <c>[gpa, gpa + length)</c> inside this queue's area.</summary>
    public Span<byte> Span(ulong gpa, int length)
    {
        if (gpa < _gpa || gpa - _gpa > _length || (ulong)length > _length - (gpa - _gpa))
        {
            throw new ArgumentOutOfRangeException(nameof(gpa), $"[{gpa:x}, +{length}) is outside the driver area.");
        }
        return new Span<byte>(_host + (gpa - _gpa), length);
    }

    /// <summary>
    /// Sets avail ring flags (VRING_AVAIL_F_NO_INTERRUPT = 1). With EVENT_IDX the driver must keep them 0.
    /// </summary>
    public void SetAvailFlags(ushort flags) => WriteU16(AvailRing.Value, flags);

    /// <summary>Sets used_event, at the end of the avail ring.</summary>
    public void SetUsedEvent(ushort usedEvent) => WriteU16(AvailRing.Value + 4 + (2u * QueueSize), usedEvent);

    /// <summary>Publishes every chain added since the last publish: stores the avail idx (release).</summary>
    public void PublishAvail()
    {
        Interlocked.MemoryBarrier();
        Volatile.Write(ref *(ushort*)(_host + (AvailRing.Value + 2 - _gpa)), _availShadow);
    }

    /// <summary>
    /// Returns used elements published since the last call and frees their descriptors (the driver reclaiming
    /// buffers). Elements for heads this object did not build are returned too; their descriptors are not freed.
    /// </summary>
    public List<(uint Id, uint Length)> ReadUsed()
    {
        var result = new List<(uint, uint)>();
        ushort idx = Volatile.Read(ref *(ushort*)(_host + (UsedRing.Value + 2 - _gpa)));
        while (_lastSeenUsed != idx)
        {
            ulong at = UsedRing.Value + 4 + (8u * (uint)(_lastSeenUsed & (QueueSize - 1)));
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(Span(at, 4));
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(Span(at + 4, 4));
            result.Add((id, len));
            if (id <= ushort.MaxValue && _chains.Remove((ushort)id, out ushort[]? descriptors))
            {
                foreach (ushort d in descriptors)
                {
                    _freeDescriptors.Push(d);
                }
            }
            _lastSeenUsed++;
        }
        return result;
    }

    private static nint HostOf(FakeGuestMemory memory, ulong gpa, ulong length)
    {
        foreach (GuestRegion r in memory.Regions)
        {
            if (gpa >= r.GuestBase && gpa - r.GuestBase <= r.Size && length <= r.Size - (gpa - r.GuestBase))
            {
                return r.HostAddress + (nint)(gpa - r.GuestBase);
            }
        }
        throw new ArgumentException("The driver area must lie inside one fake region.", nameof(gpa));
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);

    private ushort ReadU16(ulong gpa) => BinaryPrimitives.ReadUInt16LittleEndian(Span(gpa, 2));

    private void WriteU16(ulong gpa, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Span(gpa, 2), value);
}
