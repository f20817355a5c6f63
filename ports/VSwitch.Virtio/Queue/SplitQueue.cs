using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>
/// One split virtqueue (VIRTIO 1.2 §2.7), device side (rust-vmm <c>Queue</c>). Design note: the object owns the
/// ring configuration (size, addresses, EVENT_IDX) and the device's positions (<see cref="NextAvail"/>,
/// <see cref="NextUsed"/>); guest memory is passed to every call, so a new memory snapshot needs no queue
/// change. The ring areas are resolved into checked windows once per snapshot and reused while the caller
/// keeps passing the same <see cref="GuestMemory"/> instance.
/// Hostile-input rule: any violation by the driver (avail index jump, bad head, malformed chain, ring not in
/// memory) marks the queue broken; a broken queue does nothing until <see cref="Reset"/>.
/// Thread rule: one thread at a time. The datapath thread that polls the queue calls the ring operations;
/// the control plane calls the configuration members only while that thread is quiescent. Nothing allocates.
/// </summary>
public sealed class SplitQueue
{
    /// <summary>Largest queue size of a split ring (VIRTIO 1.2 §2.7: "The maximum Queue Size value is 32768").</summary>
    public const ushort MaxSize = 32768;

    /// <summary>VIRTQ_AVAIL_F_NO_INTERRUPT in the avail ring's flags (VIRTIO 1.2 §2.7.6).</summary>
    public const ushort AvailFlagNoInterrupt = 1;

    /// <summary>VIRTQ_USED_F_NO_NOTIFY in the used ring's flags (VIRTIO 1.2 §2.7.8).</summary>
    public const ushort UsedFlagNoNotify = 1;

    /// <summary>Most chains <see cref="PrefetchChains"/> looks ahead at (one batch).</summary>
    public const int MaxPrefetch = 32;

    private const uint RingHeader = 4;
    private const uint CacheLine = 64;
    private const uint UsedElementSize = 8;

    private GuestMemory? _mappedFor;
    private GuestWindow _desc;
    private GuestWindow _avail;
    private GuestWindow _used;
    private ushort _availShadow;
    private ushort _signalledUsed;
    private bool _signalledValid;

    /// <summary>Queue size (a power of two); 0 until <see cref="TrySetSize"/> succeeds.</summary>
    public ushort Size { get; private set; }

    /// <summary>Guest-physical address of the descriptor table.</summary>
    public GuestAddress DescTable { get; private set; }

    /// <summary>Guest-physical address of the avail ring (driver area).</summary>
    public GuestAddress AvailRing { get; private set; }

    /// <summary>Guest-physical address of the used ring (device area).</summary>
    public GuestAddress UsedRing { get; private set; }

    /// <summary>
    /// Guest-physical address under which used-ring writes are dirty-logged (vhost <c>log_guest_addr</c>), when
    /// the frontend asked for logging; otherwise null and <see cref="UsedRing"/> is logged.
    /// </summary>
    public GuestAddress? UsedLogAddress { get; private set; }

    /// <summary>Free-running index of the next avail ring entry the device reads.</summary>
    public ushort NextAvail { get; private set; }

    /// <summary>Free-running index of the next used ring entry the device writes.</summary>
    public ushort NextUsed { get; private set; }

    /// <summary>True when VIRTIO_F_EVENT_IDX was negotiated (set by the control plane before the ring starts).</summary>
    public bool EventIdx { get; set; }

    /// <summary>True once a driver violation was seen; latched until <see cref="Reset"/>.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>The first violation seen (<see cref="ChainStatus.Ok"/> while not broken).</summary>
    public ChainStatus BrokenReason { get; private set; }

    /// <summary>Sets the queue size. VIRTIO 1.2 §2.7: a power of two, at most <see cref="MaxSize"/>. False (and no change) otherwise.</summary>
    public bool TrySetSize(ushort size)
    {
        if (size == 0 || size > MaxSize || (size & (size - 1)) != 0)
        {
            return false;
        }
        Size = size;
        _mappedFor = null;
        return true;
    }

    /// <summary>
    /// Sets the guest-physical addresses of the three ring areas and, when logging was requested, the address
    /// under which used-ring writes are logged. Checked later by <see cref="TryValidate"/>.
    /// </summary>
    public void SetAddresses(GuestAddress desc, GuestAddress avail, GuestAddress used, GuestAddress? usedLog)
    {
        DescTable = desc;
        AvailRing = avail;
        UsedRing = used;
        UsedLogAddress = usedLog;
        _mappedFor = null;
    }

    /// <summary>
    /// Checks that the size is set and that the three ring areas lie in <paramref name="memory"/> with the sizes and
    /// alignments of VIRTIO 1.2 §2.7 (descriptor table 16·size bytes aligned to 16; avail ring 6+2·size aligned to 2;
    /// used ring 6+8·size aligned to 4; the event fields are always included). On success the areas are cached for
    /// this snapshot. Does not mark the queue broken: the caller decides what a failed configuration means.
    /// </summary>
    public bool TryValidate(GuestMemory memory)
    {
        uint size = Size;
        if (size == 0
            || (DescTable.Value & 15) != 0
            || (AvailRing.Value & 1) != 0
            || (UsedRing.Value & 3) != 0
            || !memory.TryGetWindow(DescTable, 16 * size, out GuestWindow desc)
            || !memory.TryGetWindow(AvailRing, RingHeader + (2 * size) + 2, out GuestWindow avail)
            || !memory.TryGetWindow(UsedRing, RingHeader + (UsedElementSize * size) + 2, out GuestWindow used)
            || !avail.IsHostAligned(2)
            || !used.IsHostAligned(4))
        {
            return false;
        }
        _desc = desc;
        _avail = avail;
        _used = used;
        _mappedFor = memory;
        return true;
    }

    /// <summary>The device's ring positions (<c>GET_VRING_BASE</c>). Call only while the ring is stopped.</summary>
    public SplitQueueState GetState() => new(NextAvail, NextUsed);

    /// <summary>
    /// Restores ring positions (<c>SET_VRING_BASE</c> passes the same base for both on a split ring). Any value is
    /// acceptable: positions are free-running 16-bit counters. The next notification decision starts afresh.
    /// </summary>
    public void SetState(SplitQueueState state)
    {
        NextAvail = state.NextAvail;
        NextUsed = state.NextUsed;
        _availShadow = state.NextAvail;
        _signalledValid = false;
    }

    /// <summary>Returns to the unconfigured state: size 0, addresses and positions 0, no EVENT_IDX, not broken.</summary>
    public void Reset()
    {
        Size = 0;
        DescTable = default;
        AvailRing = default;
        UsedRing = default;
        UsedLogAddress = null;
        NextAvail = 0;
        NextUsed = 0;
        EventIdx = false;
        IsBroken = false;
        BrokenReason = ChainStatus.Ok;
        _mappedFor = null;
        _desc = default;
        _avail = default;
        _used = default;
        _availShadow = 0;
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
    /// Asks the driver not to kick while the device polls. Without EVENT_IDX: used flags = VRING_USED_F_NO_NOTIFY.
    /// With EVENT_IDX the device must keep flags at 0 (VIRTIO 1.2 §2.7.10.2), so avail_event is simply left behind
    /// and at most one more kick arrives. Writes are dirty-logged in <paramref name="log"/> when given.
    /// </summary>
    public void DisableNotifications(GuestMemory memory, DirtyLog? log = null)
    {
        if (EventIdx || IsBroken || !EnsureMapped(memory))
        {
            return;
        }
        _used.TryStoreReleaseU16(0, UsedFlagNoNotify);
        log?.Mark(UsedLogBase(), 2);
    }

    /// <summary>
    /// Turns kicks back on before the polling thread sleeps: used flags = 0, or with EVENT_IDX avail_event =
    /// <see cref="NextAvail"/> (the driver kicks when its idx passes it, VIRTIO 1.2 §2.7.10). Then a full fence and a
    /// re-read of the avail idx close the race with a driver that looked at the old value. Returns true when buffers
    /// are already available (the caller must poll again instead of sleeping).
    /// </summary>
    public bool EnableNotifications(GuestMemory memory, DirtyLog? log = null)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        if (EventIdx)
        {
            ulong offset = RingHeader + (UsedElementSize * Size);
            _used.TryStoreReleaseU16(offset, NextAvail);
            log?.Mark(new GuestAddress(UsedLogBase().Value + offset), 2);
        }
        else
        {
            _used.TryStoreReleaseU16(0, 0);
            log?.Mark(UsedLogBase(), 2);
        }
        // VIRTIO 1.2 §2.7.13.4: the driver publishes idx, fences, then reads flags/avail_event; the device mirrors
        // it: store flags/avail_event, full fence, then read idx. Without the fence both sides could miss each other.
        Interlocked.MemoryBarrier();
        return AvailableCount(memory) != 0;
    }

    /// <summary>
    /// After used entries were published: does the driver want an interrupt? With EVENT_IDX: vring_need_event
    /// (VIRTIO 1.2 §2.7.7.2: notify when used idx passes used_event since the last check); otherwise: unless the driver
    /// set VRING_AVAIL_F_NO_INTERRUPT. The first check after configuration always says yes.
    /// </summary>
    public bool NeedsNotification(GuestMemory memory)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        // VIRTIO 1.2 §2.7.7: the used idx store must be visible before we read used_event or the flags, or the
        // driver may re-enable interrupts after our read and wait forever for one.
        Interlocked.MemoryBarrier();
        if (!EventIdx)
        {
            return _avail.TryReadU16(0, out ushort flags) && (flags & AvailFlagNoInterrupt) == 0;
        }
        if (!_avail.TryReadU16(RingHeader + (2u * Size), out ushort usedEvent))
        {
            return false;
        }
        ushort newIdx = NextUsed;
        ushort oldIdx = _signalledUsed;
        bool valid = _signalledValid;
        _signalledUsed = newIdx;
        _signalledValid = true;
        return !valid || NeedEvent(usedEvent, newIdx, oldIdx);
    }

    /// <summary>
    /// The vring_need_event formula (VIRTIO 1.2 §2.7.7.2 and the virtio_ring.h helper): true when <paramref name="eventIdx"/>
    /// lies in [<paramref name="oldIdx"/>, <paramref name="newIdx"/>), all mod 2^16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NeedEvent(ushort eventIdx, ushort newIdx, ushort oldIdx) =>
        (ushort)(newIdx - eventIdx - 1) < (ushort)(newIdx - oldIdx);

    /// <summary>
    /// Number of chains the driver has made available and the device has not taken yet. Reads the avail idx with
    /// acquire semantics, so the ring entries and descriptors behind it are visible (VIRTIO 1.2 §2.7.13.3). A jump of
    /// more than <see cref="Size"/> marks the queue broken (<see cref="ChainStatus.AvailIndexJump"/>) and gives 0.
    /// </summary>
    public int AvailableCount(GuestMemory memory)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return 0;
        }
        if (!_avail.TryLoadAcquireU16(2, out ushort idx))
        {
            MarkBroken(ChainStatus.OutOfRange);
            return 0;
        }
        int pending = (ushort)(idx - NextAvail);
        if (pending > Size)
        {
            // VIRTIO 1.2 §2.7.13: at most Queue Size buffers can be outstanding; more means a corrupt or hostile idx.
            MarkBroken(ChainStatus.AvailIndexJump);
            return 0;
        }
        _availShadow = idx;
        return pending;
    }

    /// <summary>
    /// Takes the next available head and advances <see cref="NextAvail"/>. False when nothing is available or the
    /// queue is (or becomes) broken; a head outside the table marks it broken with <see cref="ChainStatus.BadHead"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPopAvail(GuestMemory memory, out ushort head)
    {
        if (NextAvail == _availShadow && AvailableCount(memory) == 0)
        {
            head = 0;
            return false;
        }
        if (IsBroken || !EnsureMapped(memory))
        {
            head = 0;
            return false;
        }
        _avail.TryReadU16(RingHeader + (2u * (uint)(NextAvail & (Size - 1))), out head);
        if (head >= Size)
        {
            MarkBroken(ChainStatus.BadHead);
            return false;
        }
        NextAvail++;
        return true;
    }

    /// <summary>
    /// Starts the cache misses of a whole batch at once instead of one packet after another (the driver wrote the avail
    /// entries, descriptors and buffers on another CPU): for the next <paramref name="count"/> chains that
    /// <see cref="AvailableCount"/> has already seen (at most <see cref="MaxPrefetch"/>), prefetches each head
    /// descriptor, then the first <paramref name="bufferBytes"/> bytes (at most two cache lines) of each direct head
    /// descriptor's buffer. Changes no state and validates nothing for later: every value read here is read and checked
    /// again when the chain is taken; heads and buffers outside the table or guest memory are skipped.
    /// </summary>
    public void PrefetchChains(GuestMemory memory, int count, uint bufferBytes)
    {
        if (!Sse.IsSupported || IsBroken || !EnsureMapped(memory))
        {
            return;
        }
        count = Math.Min(Math.Min(count, (ushort)(_availShadow - NextAvail)), MaxPrefetch);
        if (count <= 0)
        {
            return;
        }
        Span<ushort> heads = stackalloc ushort[MaxPrefetch];
        uint mask = (uint)Size - 1;
        for (int i = 0; i < count; i++)
        {
            _avail.TryReadU16(RingHeader + (2u * ((uint)(NextAvail + i) & mask)), out ushort head);
            heads[i] = head;
            _desc.Prefetch((ulong)head * Descriptor.Size);
        }
        uint lineBytes = Math.Min(bufferBytes, 2 * CacheLine);
        for (int i = 0; i < count; i++)
        {
            if (heads[i] >= Size
                || !_desc.TryReadDescriptorBytes((ulong)heads[i] * Descriptor.Size, out ulong address, out uint length, out ushort flags, out _)
                || (flags & Descriptor.IndirectFlag) != 0
                || length == 0
                || !memory.TryGetWindow(new GuestAddress(address), Math.Min(length, lineBytes), out GuestWindow buffer))
            {
                continue;
            }
            buffer.Prefetch(0);
            buffer.Prefetch(CacheLine);
        }
    }

    /// <summary>Gives back the last head taken by <see cref="TryPopAvail"/> (it will be taken again next).</summary>
    public void UndoPop() => NextAvail--;

    /// <summary>
    /// Writes a used element (head, bytes written) at <see cref="NextUsed"/> and advances it; the driver sees it only
    /// after <see cref="PublishUsed"/>. The 8 written bytes are dirty-logged when <paramref name="log"/> is given.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAddUsed(GuestMemory memory, ushort head, uint length, DirtyLog? log)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        ulong offset = RingHeader + (UsedElementSize * (uint)(NextUsed & (Size - 1)));
        _used.TryWriteU32Pair(offset, head, length);
        log?.Mark(new GuestAddress(UsedLogBase().Value + offset), UsedElementSize);
        NextUsed++;
        return true;
    }

    /// <summary>
    /// Writes one used element per entry of <paramref name="heads"/>, all with <paramref name="length"/> bytes written,
    /// in order from <see cref="NextUsed"/>, and advances it by their number: <see cref="TryAddUsed"/> for a whole batch
    /// with the queue checks made once. False (nothing written) on a broken or unmapped queue.
    /// </summary>
    public bool TryAddUsedRange(GuestMemory memory, ReadOnlySpan<ushort> heads, uint length, DirtyLog? log)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return false;
        }
        uint mask = (uint)Size - 1;
        ushort next = NextUsed;
        GuestWindow used = _used;
        for (int i = 0; i < heads.Length; i++)
        {
            ulong offset = RingHeader + (UsedElementSize * ((uint)next & mask));
            used.TryWriteU32Pair(offset, heads[i], length);
            log?.Mark(new GuestAddress(UsedLogBase().Value + offset), UsedElementSize);
            next++;
        }
        NextUsed = next;
        return true;
    }

    /// <summary>
    /// Publishes every used element written so far: stores the used idx with release semantics, so the elements
    /// (and the data written into the buffers) are visible first (VIRTIO 1.2 §2.7.8.2: len and data before idx).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PublishUsed(GuestMemory memory, DirtyLog? log)
    {
        if (IsBroken || !EnsureMapped(memory))
        {
            return;
        }
        _used.TryStoreReleaseU16(2, NextUsed);
        log?.Mark(new GuestAddress(UsedLogBase().Value + 2), 2);
    }

    /// <summary>Sets both positions back (undoing takes and unpublished used elements of a failed multi-buffer write).</summary>
    internal void Rewind(ushort nextAvail, ushort nextUsed)
    {
        NextAvail = nextAvail;
        NextUsed = nextUsed;
    }

    /// <summary>The checked descriptor table window for <paramref name="memory"/>; false (and the queue broken) if unmapped.</summary>
    internal bool TryGetDescTable(GuestMemory memory, out GuestWindow table)
    {
        if (!IsBroken && EnsureMapped(memory))
        {
            table = _desc;
            return true;
        }
        table = default;
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

    private GuestAddress UsedLogBase() => UsedLogAddress ?? UsedRing;
}
