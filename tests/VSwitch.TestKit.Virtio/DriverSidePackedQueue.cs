using System.Buffers.Binary;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.TestKit.Virtio;

/// <summary>
/// The driver's half of a packed virtqueue (VIRTIO 1.2 §2.8), written in C# for tests: the packed counterpart of
/// <see cref="DriverSideQueue"/>. It lays out the descriptor ring and the two event suppression areas at the start of a
/// writable area and hands out the rest for buffers and indirect tables. It keeps the driver's avail and used wrap
/// counters, writes chains into consecutive slots (wrapping, the id in every descriptor of the chain), makes a chain
/// available by storing its head's flags last (release), and reads used descriptors back by their wrap bits. Raw
/// writers let a test build hostile rings. Test code: throws on misuse; one driver thread.
/// </summary>
public sealed unsafe class DriverSidePackedQueue
{
    private readonly byte* _host;
    private readonly ulong _gpa;
    private readonly ulong _length;
    private readonly Stack<ushort> _freeIds = new();
    private readonly Dictionary<ushort, ushort> _slotsOfId = new();
    private readonly List<(ushort Slot, ushort Flags)> _unpublishedHeads = new();
    private ulong _nextFree;
    private int _freeSlots;
    private bool _inRawChain;
    private ushort _lastRawId;

    /// <summary>Lays the ring out in <c>[gpa, gpa + length)</c> of <paramref name="memory"/>, which must be inside one region.</summary>
    public DriverSidePackedQueue(FakeGuestMemory memory, ushort queueSize, ulong gpa, ulong length)
        : this(memory.HostAddressOf(gpa, length), gpa, length, queueSize)
    {
    }

    /// <summary>Lays the ring out in writable memory at host address <paramref name="host"/> that the guest sees at <paramref name="gpa"/>.</summary>
    public DriverSidePackedQueue(nint host, ulong gpa, ulong length, ushort queueSize)
    {
        if (queueSize == 0 || queueSize > PackedQueue.MaxSize)
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
        DescRing = new GuestAddress(gpa);
        DriverArea = new GuestAddress(gpa + (16u * queueSize));
        DeviceArea = new GuestAddress(DriverArea.Value + 4);
        _nextFree = AlignUp(DeviceArea.Value + 4, 4096) - gpa;
        if (_nextFree > length)
        {
            throw new ArgumentException("The area is too small for the ring.", nameof(length));
        }
        Span(gpa, (int)_nextFree).Clear();
        for (int i = queueSize - 1; i >= 0; i--)
        {
            _freeIds.Push((ushort)i);
        }
        _freeSlots = queueSize;
    }

    /// <summary>The queue size.</summary>
    public ushort QueueSize { get; }

    /// <summary>Guest-physical address of the descriptor ring.</summary>
    public GuestAddress DescRing { get; }

    /// <summary>Guest-physical address of the driver event suppression area.</summary>
    public GuestAddress DriverArea { get; }

    /// <summary>Guest-physical address of the device event suppression area.</summary>
    public GuestAddress DeviceArea { get; }

    /// <summary>The next slot the driver writes.</summary>
    public ushort NextAvail { get; private set; }

    /// <summary>The driver's avail wrap counter.</summary>
    public bool AvailWrap { get; private set; } = true;

    /// <summary>The next slot the driver expects a used descriptor in.</summary>
    public ushort NextUsed { get; private set; }

    /// <summary>The driver's used wrap counter.</summary>
    public bool UsedWrap { get; private set; } = true;

    /// <summary>Slots not holding an outstanding chain.</summary>
    public int FreeSlots => _freeSlots;

    /// <summary>The device area's flags (device-written: 0 enable, 1 disable, 2 desc).</summary>
    public ushort DeviceEventFlags => ReadU16(DeviceArea.Value + 2);

    /// <summary>The device area's off_wrap (device-written; meaningful with DESC).</summary>
    public ushort DeviceEventOffWrap => ReadU16(DeviceArea.Value);

    /// <summary>Configures a device-side queue with this layout (size and addresses).</summary>
    public void Configure(PackedQueue queue, bool eventIdx = false, GuestAddress? deviceLog = null)
    {
        if (!queue.TrySetSize(QueueSize))
        {
            throw new InvalidOperationException("size rejected");
        }
        queue.SetAddresses(DescRing, DriverArea, DeviceArea, deviceLog);
        queue.EventIdx = eventIdx;
    }

    /// <summary>Sets the driver event suppression area: flags (0 enable, 1 disable, 2 desc) and off_wrap.</summary>
    public void SetDriverEvent(ushort flags, ushort offWrap = 0)
    {
        WriteU16(DriverArea.Value, offWrap);
        WriteU16(DriverArea.Value + 2, flags);
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
    /// Writes a chain over <paramref name="buffers"/> into the next free slots (NEXT on all but the last, the same new id
    /// in each) and returns the id. The head's flags are stored only by <see cref="PublishAvail"/>.
    /// </summary>
    public ushort AddChain(params DriverBuffer[] buffers)
    {
        if (buffers.Length == 0 || buffers.Length > _freeSlots || _freeIds.Count == 0)
        {
            throw new InvalidOperationException($"Need {buffers.Length} free slots, have {_freeSlots}.");
        }
        ushort id = _freeIds.Pop();
        _slotsOfId[id] = (ushort)buffers.Length;
        _freeSlots -= buffers.Length;
        for (int i = 0; i < buffers.Length; i++)
        {
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].IsWritable ? Descriptor.WriteFlag : 0) | (last ? 0 : Descriptor.NextFlag));
            WriteNext(buffers[i].Gpa, buffers[i].Length, id, flags, head: i == 0);
        }
        return id;
    }

    /// <summary>
    /// Writes an indirect table of <paramref name="buffers"/> (packed layout, entries in order, no NEXT) in buffer space
    /// and one ring descriptor with INDIRECT pointing at it; returns the id. Published by <see cref="PublishAvail"/>.
    /// </summary>
    public ushort AddIndirectChain(params DriverBuffer[] buffers)
    {
        ulong table = Allocate((ulong)buffers.Length * Descriptor.Size);
        for (int i = 0; i < buffers.Length; i++)
        {
            WriteRawDescriptorAt(table + ((ulong)i * Descriptor.Size), buffers[i].Gpa, buffers[i].Length, 0,
                buffers[i].IsWritable ? Descriptor.WriteFlag : (ushort)0);
        }
        return AddRaw(table, (uint)(buffers.Length * Descriptor.Size), Descriptor.IndirectFlag);
    }

    /// <summary>
    /// One buffer as a whole chain, without the <c>params</c> array of <see cref="AddChain"/>: nothing allocated once the
    /// driver's bookkeeping is warm (allocation tests).
    /// </summary>
    public ushort AddBuffer(ulong gpa, uint length, bool writable)
    {
        if (_freeSlots == 0 || _freeIds.Count == 0)
        {
            throw new InvalidOperationException("No free slot.");
        }
        ushort id = _freeIds.Pop();
        _slotsOfId[id] = 1;
        _freeSlots--;
        WriteNext(gpa, length, id, writable ? Descriptor.WriteFlag : (ushort)0, head: true);
        return id;
    }

    /// <summary>
    /// Benchmarks: makes the next <paramref name="count"/> slots available again as single buffers at the addresses they
    /// already hold, with <paramref name="length"/> bytes and their slot number as id, after the caller saw the device
    /// return them. No bookkeeping (ids, free slots, used reading): as cheap as a split driver pushing heads again.
    /// </summary>
    public void RecycleSingleBuffers(int count, uint length, bool writable)
    {
        ushort flags = writable ? Descriptor.WriteFlag : (ushort)0;
        for (int i = 0; i < count; i++)
        {
            ulong at = DescRing.Value + (16u * NextAvail) - _gpa;
            *(uint*)(_host + at + 8) = length;
            *(ushort*)(_host + at + 12) = NextAvail;
            Volatile.Write(ref *(ushort*)(_host + at + 14), AvailableFlags(flags));
            int next = NextAvail + 1;
            if (next == QueueSize)
            {
                next = 0;
                AvailWrap = !AvailWrap;
            }
            NextAvail = (ushort)next;
        }
    }

    /// <summary>Like <see cref="ReadUsed"/> but only counts the used descriptors (allocates nothing).</summary>
    public int ReclaimUsed()
    {
        int count = 0;
        while (TryReclaimOne(out _, out _))
        {
            count++;
        }
        return count;
    }

    /// <summary>A single device-readable buffer holding <paramref name="data"/> (not yet published).</summary>
    public ushort AddReadable(ReadOnlySpan<byte> data) => AddChain(DriverBuffer.Readable(AllocateWith(data), (uint)data.Length));

    /// <summary>A single device-writable buffer of <paramref name="length"/> bytes (not yet published).</summary>
    public ushort AddWritable(uint length) => AddChain(DriverBuffer.Writable(Allocate(length), length));

    /// <summary>
    /// Writes one descriptor with any <paramref name="flags"/> (NEXT, WRITE, INDIRECT, unknown bits; AVAIL and USED are
    /// added for the current wrap) at the next slot, hostile or not. A descriptor with NEXT continues a chain into the
    /// next call. Returns the id used (a new one at a chain's start unless <paramref name="id"/> is given).
    /// </summary>
    public ushort AddRaw(ulong address, uint length, ushort flags, ushort? id = null)
    {
        bool head = !_inRawChain;
        ushort use = id ?? (head ? (_freeIds.Count > 0 ? _freeIds.Pop() : (ushort)0) : _lastRawId);
        if (head)
        {
            _slotsOfId[use] = 0;
        }
        _slotsOfId[use] = (ushort)(_slotsOfId.GetValueOrDefault(use) + 1);
        _freeSlots--;
        _lastRawId = use;
        _inRawChain = (flags & Descriptor.NextFlag) != 0;
        WriteNext(address, length, use, flags, head);
        return use;
    }

    /// <summary>Stores the flags of every head written since the last publish, in order, each with release (VIRTIO 1.2 §2.8.21).</summary>
    public void PublishAvail()
    {
        foreach ((ushort slot, ushort flags) in _unpublishedHeads)
        {
            Interlocked.MemoryBarrier();
            Volatile.Write(ref *(ushort*)(_host + (DescRing.Value + (16u * slot) + 14 - _gpa)), flags);
        }
        _unpublishedHeads.Clear();
    }

    /// <summary>Writes slot <paramref name="slot"/> with raw fields, flags included (no bookkeeping; flips and hostile rings).</summary>
    public void WriteSlot(ushort slot, ulong address, uint length, ushort id, ushort flags)
    {
        if (slot >= QueueSize)
        {
            throw new ArgumentOutOfRangeException(nameof(slot));
        }
        WriteRawDescriptorAt(DescRing.Value + (16u * slot), address, length, id, flags);
    }

    /// <summary>The flags a descriptor made available now carries: AVAIL = wrap, USED = !wrap, plus <paramref name="flags"/>.</summary>
    public ushort AvailableFlags(ushort flags) => (ushort)(flags | (AvailWrap ? PackedQueue.AvailFlag : PackedQueue.UsedFlag));

    /// <summary>Reads slot <paramref name="slot"/>'s (id, length, flags).</summary>
    public (ushort Id, uint Length, ushort Flags) ReadSlot(ushort slot)
    {
        ulong at = DescRing.Value + (16u * slot);
        return (ReadU16(at + 12), BinaryPrimitives.ReadUInt32LittleEndian(Span(at + 8, 4)), ReadU16(at + 14));
    }

    /// <summary>Writes a packed descriptor with raw fields at any guest address of this area (indirect tables).</summary>
    public void WriteRawDescriptorAt(ulong gpa, ulong address, uint length, ushort id, ushort flags)
    {
        Span<byte> d = Span(gpa, Descriptor.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], id);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], flags);
    }

    /// <summary>
    /// Returns the used descriptors the device wrote since the last call, in ring order, and frees their slots and ids:
    /// a slot holds a used descriptor when its AVAIL and USED bits both equal the driver's used wrap counter.
    /// </summary>
    public List<(ushort Id, uint Length)> ReadUsed()
    {
        var result = new List<(ushort, uint)>();
        while (TryReclaimOne(out ushort id, out uint length))
        {
            result.Add((id, length));
        }
        return result;
    }

    private bool TryReclaimOne(out ushort id, out uint length)
    {
        ulong at = DescRing.Value + (16u * NextUsed);
        ushort flags = Volatile.Read(ref *(ushort*)(_host + (at + 14 - _gpa)));
        bool avail = (flags & PackedQueue.AvailFlag) != 0;
        bool used = (flags & PackedQueue.UsedFlag) != 0;
        if (avail != UsedWrap || used != UsedWrap)
        {
            id = 0;
            length = 0;
            return false;
        }
        id = ReadU16(at + 12);
        length = BinaryPrimitives.ReadUInt32LittleEndian(Span(at + 8, 4));
        if (!_slotsOfId.Remove(id, out ushort slots))
        {
            throw new InvalidOperationException($"The device used id {id}, which is not outstanding.");
        }
        _freeIds.Push(id);
        _freeSlots += slots;
        int next = NextUsed + slots;
        if (next >= QueueSize)
        {
            next -= QueueSize;
            UsedWrap = !UsedWrap;
        }
        NextUsed = (ushort)next;
        return true;
    }

    private void WriteNext(ulong address, uint length, ushort id, ushort flags, bool head)
    {
        ushort full = AvailableFlags(flags);
        ushort slot = NextAvail;
        // The head's flags go in last (PublishAvail); until then the slot still reads as not available.
        WriteRawDescriptorAt(DescRing.Value + (16u * slot), address, length, id, head ? ReadU16(DescRing.Value + (16u * slot) + 14) : full);
        if (head)
        {
            _unpublishedHeads.Add((slot, full));
        }
        int next = NextAvail + 1;
        if (next == QueueSize)
        {
            next = 0;
            AvailWrap = !AvailWrap;
        }
        NextAvail = (ushort)next;
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);

    private ushort ReadU16(ulong gpa) => BinaryPrimitives.ReadUInt16LittleEndian(Span(gpa, 2));

    private void WriteU16(ulong gpa, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Span(gpa, 2), value);
}
