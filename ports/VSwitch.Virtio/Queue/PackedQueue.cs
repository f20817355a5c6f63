using System.Runtime.CompilerServices;
using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>
/// One packed virtqueue (VIRTIO 1.2 §2.8, VIRTIO_F_RING_PACKED), device side: the packed counterpart of
/// <see cref="SplitQueue"/>, with the same shape (configuration, checked windows per memory snapshot, broken latch, one
/// thread at a time, guest memory passed per call, no allocation after <see cref="TrySetSize"/>).
/// Design note: one ring of 16-byte descriptors carries both directions. A descriptor is available when its AVAIL bit
/// equals the device's avail wrap counter and its USED bit does not (§2.8.1); the device reads the flags first, with
/// acquire, and only then the rest (§2.8.21). A chain fills consecutive slots and the device answers it with one used
/// descriptor, written at the next used slot, then skips as many slots as the chain had (§2.8.7). Used descriptors are
/// not written one by one: <see cref="TryConsume"/> keeps (id, length, slots) in a shadow, and <see cref="FlushUsed"/>
/// writes them all, every flags field after its id and length and the first one's flags last with release, so the
/// driver sees the batch at once; until then the driver's descriptors stay untouched, so a multi-buffer write that
/// fails can give its chains back (<see cref="Mark"/> / <see cref="Rewind"/>). Event suppression (§2.8.10) is a pair
/// of 4-byte areas: the driver's (read before signalling) and the device's (written to ask for or stop kicks).
/// Hostile-input rule: the buffer id is opaque (never an index); a chain longer than the ring is a
/// <see cref="ChainStatus.Loop"/>; more slots taken than the ring has before the device returned them means the
/// driver made descriptors available twice (<see cref="ChainStatus.AvailIndexJump"/>); any violation latches the queue
/// broken until <see cref="Reset"/>.
/// </summary>
public sealed class PackedQueue
{
    /// <summary>Largest queue size of a packed ring (VIRTIO 1.2 §2.8: "Queue Size ... up to 2^15").</summary>
    public const ushort MaxSize = 32768;

    /// <summary>VIRTQ_DESC_F_AVAIL (VIRTIO 1.2 §2.8.1).</summary>
    public const ushort AvailFlag = 1 << 7;

    /// <summary>VIRTQ_DESC_F_USED (VIRTIO 1.2 §2.8.1).</summary>
    public const ushort UsedFlag = 1 << 15;

    /// <summary>RING_EVENT_FLAGS_ENABLE: notifications wanted (VIRTIO 1.2 §2.8.10).</summary>
    public const ushort EventFlagsEnable = 0;

    /// <summary>RING_EVENT_FLAGS_DISABLE: no notifications.</summary>
    public const ushort EventFlagsDisable = 1;

    /// <summary>RING_EVENT_FLAGS_DESC: a notification when the slot and wrap in off_wrap are reached (needs EVENT_IDX).</summary>
    public const ushort EventFlagsDesc = 2;

    private const uint EventAreaSize = 4;

    private GuestMemory? _mappedFor;
    private GuestWindow _desc;
    private GuestWindow _driver;
    private GuestWindow _device;
    private ushort[] _usedIds = [];
    private uint[] _usedLengths = [];
    private ushort[] _usedSlots = [];
    private int _pending;
    private int _takenSlots;
    private ushort _signalledUsed;
    private bool _signalledValid;

    /// <summary>Queue size (1..32768, not necessarily a power of two); 0 until <see cref="TrySetSize"/> succeeds.</summary>
    public ushort Size { get; private set; }

    /// <summary>Guest-physical address of the descriptor ring.</summary>
    public GuestAddress DescRing { get; private set; }

    /// <summary>Guest-physical address of the driver event suppression area (driver-written).</summary>
    public GuestAddress DriverArea { get; private set; }

    /// <summary>Guest-physical address of the device event suppression area (device-written).</summary>
    public GuestAddress DeviceArea { get; private set; }

    /// <summary>
    /// Guest-physical address under which device-area writes are dirty-logged (vhost <c>log_guest_addr</c>), when the
    /// front-end asked for logging; otherwise null and <see cref="DeviceArea"/> is logged. Used descriptors are logged at
    /// their own guest-physical address in the descriptor ring.
    /// </summary>
    public GuestAddress? DeviceLogAddress { get; private set; }

    /// <summary>Slot of the next descriptor the device reads.</summary>
    public ushort NextAvail { get; private set; }

    /// <summary>The device's avail wrap counter.</summary>
    public bool AvailWrap { get; private set; } = true;

    /// <summary>Slot of the next used descriptor the device writes (at the next <see cref="FlushUsed"/>).</summary>
    public ushort NextUsed { get; private set; }

    /// <summary>The device's used wrap counter.</summary>
    public bool UsedWrap { get; private set; } = true;

    /// <summary>True when VIRTIO_F_EVENT_IDX was negotiated (set by the control plane before the ring starts).</summary>
    public bool EventIdx { get; set; }

    /// <summary>True once a driver violation was seen; latched until <see cref="Reset"/>.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>The first violation seen (<see cref="ChainStatus.Ok"/> while not broken).</summary>
    public ChainStatus BrokenReason { get; private set; }

    /// <summary>Used descriptors recorded by <see cref="TryConsume"/> and not yet written by <see cref="FlushUsed"/>.</summary>
    public int PendingUsed => _pending;

    /// <summary>
    /// Sets the queue size: 1..<see cref="MaxSize"/>, any value (VIRTIO 1.2 §2.8 drops the split ring's power of two).
    /// Sizes the used shadow (the only allocation, on the control plane). False (and no change) otherwise.
    /// </summary>
    public bool TrySetSize(ushort size)
    {
        if (size == 0 || size > MaxSize)
        {
            return false;
        }
        if (_usedIds.Length < size)
        {
            _usedIds = new ushort[size];
            _usedLengths = new uint[size];
            _usedSlots = new ushort[size];
        }
        Size = size;
        _mappedFor = null;
        return true;
    }

    /// <summary>Sets the guest-physical addresses of the three areas (vhost-user SET_VRING_ADDR: desc, avail = driver area, used = device area).</summary>
    public void SetAddresses(GuestAddress desc, GuestAddress driverArea, GuestAddress deviceArea, GuestAddress? deviceLog)
    {
        DescRing = desc;
        DriverArea = driverArea;
        DeviceArea = deviceArea;
        DeviceLogAddress = deviceLog;
        _mappedFor = null;
    }

    /// <summary>
    /// Checks that the size is set and the three areas lie in <paramref name="memory"/> with VIRTIO 1.2 §2.8's sizes and
    /// alignments (descriptor ring 16·size bytes aligned to 16; each event suppression area 4 bytes aligned to 4). On
    /// success the areas are cached for this snapshot. Does not mark the queue broken.
    /// </summary>
    public bool TryValidate(GuestMemory memory)
    {
        uint size = Size;
        if (size == 0
            || (DescRing.Value & 15) != 0
            || (DriverArea.Value & 3) != 0
            || (DeviceArea.Value & 3) != 0
            || !memory.TryGetWindow(DescRing, 16 * size, out GuestWindow desc)
            || !memory.TryGetWindow(DriverArea, EventAreaSize, out GuestWindow driver)
            || !memory.TryGetWindow(DeviceArea, EventAreaSize, out GuestWindow device)
            || !desc.IsHostAligned(16)
            || !driver.IsHostAligned(4)
            || !device.IsHostAligned(4))
        {
            return false;
        }
        _desc = desc;
        _driver = driver;
        _device = device;
        _mappedFor = memory;
        return true;
    }

    /// <summary>The device's positions (<c>GET_VRING_BASE</c>). Call only while the ring is stopped and nothing is pending.</summary>
    public PackedQueueState GetState() => new(NextAvail, AvailWrap, NextUsed, UsedWrap);

    /// <summary>
    /// Restores positions (<c>SET_VRING_BASE</c>). False (and no change) when a slot is not below <see cref="Size"/>. The
    /// next notification decision starts afresh; nothing is pending.
    /// </summary>
    public bool TrySetState(PackedQueueState state)
    {
        if (state.NextAvail >= Size || state.NextUsed >= Size)
        {
            return false;
        }
        NextAvail = state.NextAvail;
        AvailWrap = state.AvailWrap;
        NextUsed = state.NextUsed;
        UsedWrap = state.UsedWrap;
        _pending = 0;
        _takenSlots = 0;
        _signalledValid = false;
        return true;
    }

    /// <summary>Returns to the unconfigured state: size 0, addresses 0, positions at a fresh ring's, not broken.</summary>
    public void Reset()
    {
        Size = 0;
        DescRing = default;
        DriverArea = default;
        DeviceArea = default;
        DeviceLogAddress = null;
        NextAvail = 0;
        NextUsed = 0;
        AvailWrap = true;
        UsedWrap = true;
        EventIdx = false;
        IsBroken = false;
        BrokenReason = ChainStatus.Ok;
        _mappedFor = null;
        _desc = default;
        _driver = default;
        _device = default;
        _pending = 0;
        _takenSlots = 0;
        _signalledUsed = 0;
        _signalledValid = false;
    }

    /// <summary>Latches the queue as broken with <paramref name="reason"/> (the first reason is kept).</summary>
    public void MarkBroken(ChainStatus reason)
    {
        if (!IsBroken)
        {
            IsBroken = true;
            BrokenReason = reason;
        }
    }

    /// <summary>
    /// Reads the descriptor at <see cref="NextAvail"/> if the driver made it available: its flags first, with acquire
    /// (VIRTIO 1.2 §2.8.21: the driver stores the head's flags last), then address, length and id, each read once. False
    /// when it is not available, or the queue is (or becomes) broken. Changes no position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPeekAvail(GuestMemory memory, out ulong address, out uint length, out ushort id, out ushort flags)
    {
        address = 0;
        length = 0;
        id = 0;
        flags = 0;
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        ulong offset = (ulong)NextAvail * Descriptor.Size;
        if (!_desc.TryLoadAcquireU16(offset + 14, out flags) || !IsAvailable(flags, AvailWrap))
        {
            return false;
        }
        return _desc.TryReadPackedDescriptorBody(offset, out address, out length, out id);
    }

    /// <summary>
    /// Starts the cache misses of a burst at once (the driver wrote descriptors and buffers on another CPU), as
    /// <see cref="SplitQueue.PrefetchChains"/> does for the split ring: walks at most <paramref name="count"/> slots from
    /// <see cref="NextAvail"/> (at most <see cref="SplitQueue.MaxPrefetch"/>) while they are available, and prefetches
    /// the first <paramref name="bufferBytes"/> bytes (at most two cache lines) of each single-descriptor buffer. Stops at
    /// the first slot that is not available or starts a chain (the walk takes those in order anyway). Changes no state and
    /// validates nothing for later: every value read here is read again, with acquire and checks, when the slot is taken;
    /// buffers outside guest memory are skipped. No allocation.
    /// </summary>
    public void PrefetchChains(GuestMemory memory, int count, uint bufferBytes)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || IsBroken || !EnsureMapped(memory))
        {
            return;
        }
        count = Math.Min(Math.Min(count, (int)Size), SplitQueue.MaxPrefetch);
        uint lineBytes = Math.Min(bufferBytes, 128u);
        uint slot = NextAvail;
        bool wrap = AvailWrap;
        for (int i = 0; i < count; i++)
        {
            ulong offset = (ulong)slot * Descriptor.Size;
            if (!_desc.TryReadU16(offset + 14, out ushort flags) || !IsAvailable(flags, wrap)
                || (flags & (Descriptor.NextFlag | Descriptor.IndirectFlag)) != 0
                || !_desc.TryReadPackedDescriptorBody(offset, out ulong address, out uint length, out _))
            {
                return;
            }
            if (lineBytes != 0 && length != 0
                && memory.TryGetWindow(new GuestAddress(address), Math.Min(length, lineBytes), out GuestWindow buffer))
            {
                buffer.Prefetch(0);
                buffer.Prefetch(64);
            }
            if (++slot == Size)
            {
                slot = 0;
                wrap = !wrap;
            }
        }
    }

    /// <summary>
    /// Start-time check of the restored position: true when the descriptor at <see cref="NextAvail"/> is marked used for
    /// the device's current lap (AVAIL = USED = the avail wrap counter). After a correct stop the slot holds either a
    /// descriptor used in the previous lap (the opposite wrap), one the driver made available again, or zeros (a fresh
    /// ring); a used one of the current lap means the driver is ahead of the base it gave (<see cref="ChainStatus.StalePosition"/>).
    /// </summary>
    public bool IsNextAvailUsedThisLap(GuestMemory memory)
    {
        if (IsBroken || !EnsureMapped(memory)
            || !_desc.TryLoadAcquireU16(((ulong)NextAvail * Descriptor.Size) + 14, out ushort flags))
        {
            return false;
        }
        int w = AvailWrap ? 1 : 0;
        return ((flags >> 7) & 1) == w && (flags >> 15) == w;
    }

    /// <summary>True when the driver made the descriptor at <see cref="NextAvail"/> available (acquire load of its flags).</summary>
    public bool HasAvailable(GuestMemory memory)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        return _desc.TryLoadAcquireU16(((ulong)NextAvail * Descriptor.Size) + 14, out ushort flags) && IsAvailable(flags, AvailWrap);
    }

    /// <summary>
    /// VIRTIO 1.2 §2.8.1: available when AVAIL equals the wrap counter and USED differs from it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAvailable(ushort flags, bool wrap)
    {
        int w = wrap ? 1 : 0;
        return ((flags >> 7) & 1) == w && (flags >> 15) != w;
    }

    /// <summary>
    /// Takes the chain at <see cref="NextAvail"/> (<paramref name="slots"/> descriptors, 1..Size) and records its used
    /// descriptor (<paramref name="id"/>, <paramref name="length"/> bytes written) for the next <see cref="FlushUsed"/>.
    /// False, and the queue broken with <see cref="ChainStatus.AvailIndexJump"/>, when the device would hold more slots
    /// than the ring has: a driver that made slots available again before the device returned them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryConsume(ushort id, uint length, ushort slots)
    {
        int taken = _takenSlots + slots;
        if (taken > Size || slots == 0)
        {
            MarkBroken(ChainStatus.AvailIndexJump);
            return false;
        }
        _takenSlots = taken;
        int i = _pending++;
        _usedIds[i] = id;
        _usedLengths[i] = length;
        _usedSlots[i] = slots;
        int next = NextAvail + slots;
        if (next >= Size)
        {
            next -= Size;
            AvailWrap = !AvailWrap;
        }
        NextAvail = (ushort)next;
        return true;
    }

    /// <summary>A point to come back to with <see cref="Rewind"/>: the avail position and the shadow's fill.</summary>
    public PackedMark Mark() => new(NextAvail, AvailWrap, _pending, _takenSlots);

    /// <summary>Gives back every chain taken since <paramref name="mark"/> (their used descriptors were not written yet).</summary>
    public void Rewind(PackedMark mark)
    {
        NextAvail = mark.NextAvail;
        AvailWrap = mark.AvailWrap;
        _pending = mark.Pending;
        _takenSlots = mark.TakenSlots;
    }

    /// <summary>
    /// Writes every recorded used descriptor from <see cref="NextUsed"/> on (id and length, then flags with AVAIL = USED =
    /// the used wrap counter and WRITE when bytes were written, VIRTIO 1.2 §2.8.4) and advances <see cref="NextUsed"/>
    /// by the chains' slots, wrapping the counter at the ring's end. The first descriptor's flags are stored last, with
    /// release, so the driver sees the whole batch, and the data behind it, at once. Every write is dirty-logged in
    /// <paramref name="log"/> when given. False when nothing was written (nothing pending, broken or unmapped queue).
    /// </summary>
    public bool FlushUsed(GuestMemory memory, DirtyLog? log)
    {
        int count = _pending;
        if (count == 0 || IsBroken || !EnsureMapped(memory))
        {
            _pending = 0;
            _takenSlots = 0;
            return false;
        }
        GuestWindow desc = _desc;
        int slot = NextUsed;
        bool wrap = UsedWrap;
        ulong firstOffset = (ulong)slot * Descriptor.Size;
        ushort firstFlags = 0;
        for (int i = 0; i < count; i++)
        {
            ulong offset = (ulong)slot * Descriptor.Size;
            uint length = _usedLengths[i];
            ushort flags = (ushort)((wrap ? AvailFlag | UsedFlag : 0) | (length != 0 ? Descriptor.WriteFlag : 0));
            desc.TryWritePackedUsedBody(offset, length, _usedIds[i]);
            if (i == 0)
            {
                firstFlags = flags;
            }
            else
            {
                desc.TryStoreReleaseU16(offset + 14, flags);
                log?.Mark(desc.AddressOf(offset + 8), 8);   // length, id and flags
            }
            slot += _usedSlots[i];
            if (slot >= Size)
            {
                slot -= Size;
                wrap = !wrap;
            }
        }
        // VIRTIO 1.2 §2.8.21 (device side of §2.8.22): the flags make the used descriptors visible; every length, id and
        // data byte must be visible first, so the first flags (which the driver checks first) go last, with release.
        desc.TryStoreReleaseU16(firstOffset + 14, firstFlags);
        // Logged only now, after its last write: a mark covers the writes before it (the front-end may read and clear
        // the bit, and copy the page, at any moment), and the first flags are the write the driver acts on.
        log?.Mark(desc.AddressOf(firstOffset + 8), 8);
        NextUsed = (ushort)slot;
        UsedWrap = wrap;
        _pending = 0;
        _takenSlots = 0;
        return true;
    }

    /// <summary>
    /// Asks the driver not to kick while the device polls: device area flags = DISABLE (allowed with or without
    /// EVENT_IDX on a packed ring). Dirty-logged in <paramref name="log"/> when given.
    /// </summary>
    public void DisableNotifications(GuestMemory memory, DirtyLog? log = null)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return;
        }
        _device.TryStoreReleaseU16(2, EventFlagsDisable);
        log?.Mark(new GuestAddress(DeviceLogBase().Value + 2), 2);
    }

    /// <summary>
    /// Turns kicks back on before the polling thread sleeps: ENABLE, or with EVENT_IDX DESC with off_wrap = the next avail
    /// slot and wrap (a kick as soon as that descriptor is made available). Then a full fence and a re-check of the next
    /// slot close the race with a driver that read the old flags (VIRTIO 1.2 §2.8.22). True when a descriptor is already
    /// available (the caller must poll again instead of sleeping).
    /// </summary>
    public bool EnableNotifications(GuestMemory memory, DirtyLog? log = null)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        if (EventIdx)
        {
            _device.TryWriteU16(0, (ushort)(NextAvail | (AvailWrap ? 0x8000 : 0)));
            _device.TryStoreReleaseU16(2, EventFlagsDesc);
        }
        else
        {
            _device.TryStoreReleaseU16(2, EventFlagsEnable);
        }
        log?.Mark(DeviceLogBase(), EventAreaSize);
        Interlocked.MemoryBarrier();
        return HasAvailable(memory);
    }

    /// <summary>
    /// After <see cref="FlushUsed"/>: does the driver want an interrupt? Reads the driver area after a full fence (the
    /// used flags must be visible before it, VIRTIO 1.2 §2.8.22). DISABLE: no; ENABLE: yes; DESC (EVENT_IDX only): yes
    /// when the used slot the driver named in off_wrap was passed since the last check, its wrap bit telling which lap it
    /// belongs to. The first check after configuration always says yes; an unknown flags value says yes.
    /// </summary>
    public bool NeedsNotification(GuestMemory memory)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        Interlocked.MemoryBarrier();
        if (!_driver.TryReadU16(2, out ushort flags) || !_driver.TryReadU16(0, out ushort offWrap))
        {
            return false;
        }
        ushort newIdx = NextUsed;
        ushort oldIdx = _signalledUsed;
        bool valid = _signalledValid;
        _signalledUsed = newIdx;
        _signalledValid = true;
        if (flags == EventFlagsDisable)
        {
            return false;
        }
        if (flags != EventFlagsDesc || !EventIdx || !valid)
        {
            return true;
        }
        // The positions are slots of one lap; put the old one and the event one on the lap of newIdx (a lap back when
        // they lie at or past it, or when the driver's wrap bit is not the current used wrap counter).
        int old = oldIdx;
        int newer = newIdx;
        if (newer <= old)
        {
            old -= Size;
        }
        int eventIdx = offWrap & 0x7FFF;
        if (((offWrap >> 15) != 0) != UsedWrap)
        {
            eventIdx -= Size;
        }
        return SplitQueue.NeedEvent((ushort)eventIdx, (ushort)newer, (ushort)old);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryGetDescRing(GuestMemory memory, out GuestWindow ring)
    {
        if (!IsBroken && EnsureMapped(memory))
        {
            ring = _desc;
            return true;
        }
        ring = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool EnsureMapped(GuestMemory memory)
    {
        if (ReferenceEquals(memory, _mappedFor))
        {
            return true;
        }
        return RemapOrBreak(memory);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RemapOrBreak(GuestMemory memory)
    {
        if (Size == 0)
        {
            return false;
        }
        if (TryValidate(memory))
        {
            return true;
        }
        MarkBroken(ChainStatus.OutOfRange);
        return false;
    }

    private GuestAddress DeviceLogBase() => DeviceLogAddress ?? DeviceArea;
}

/// <summary>A position of a <see cref="PackedQueue"/> to rewind to (see <see cref="PackedQueue.Mark"/>).</summary>
/// <param name="NextAvail">The avail slot.</param>
/// <param name="AvailWrap">The avail wrap counter.</param>
/// <param name="Pending">Used descriptors recorded.</param>
/// <param name="TakenSlots">Slots taken since the last flush.</param>
public readonly record struct PackedMark(ushort NextAvail, bool AvailWrap, int Pending, int TakenSlots);
