using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.Virtio.Net;

/// <summary>
/// Guest to switch: takes chains from the guest's transmit virtqueue (odd queue index) and turns each into a packet.
/// Design note: the virtio-net header (<c>headerSize</c> bytes, possibly spread over several descriptors) is read into
/// <see cref="PacketBuffer.Offload"/> with <see cref="VnetHeader.TryParse"/> against the offloads the driver negotiated
/// (a plain header costs one 16-bit load and a branch); a header that cannot describe its frame drops the frame as
/// <see cref="DropReason.OffloadHeaderInvalid"/>. When the frame lies in one descriptor and zero-copy is on, the packet
/// lends that guest memory (<see cref="PacketBuffer.AttachExternal"/>, the buffer object rented from the pool);
/// otherwise the frame is copied into a pool buffer. A frame larger than a buffer of the pool (a TCP super-frame of up
/// to 64 KiB, usually a chain of pages) takes a buffer of the large pool instead, when one is given: chosen at the
/// start of the copy when the header announces segmentation, or moved there when the frame outgrows the first buffer.
/// Every taken head is held, not returned to the guest, until <see cref="Complete"/>, so lent
/// memory stays the packet's until then. A malformed chain marks the queue broken and counts one drop
/// (<see cref="DropReason.RxChainInvalid"/> or <see cref="DropReason.GuestAddressUnmapped"/>); a queue found broken by
/// a bad avail index counts <see cref="DropReason.QueueBroken"/> once. Nothing is thrown for guest input.
/// Thread rule: only the thread that polls the queue. Cost: no allocation; one descriptor walk per chain, one copy
/// per byte on the copy path.
/// </summary>
public sealed class VirtioNetRx
{
    /// <summary>Most heads held between <see cref="Receive"/> and <see cref="Complete"/> (one full batch).</summary>
    public const int MaxHeld = PacketBatch.Capacity;

    internal const int MinFrame = 14;
    internal const uint PrefetchFrameBytes = 64;

    private readonly ushort[] _held = new ushort[MaxHeld];
    private readonly bool _singleDescriptorFastPath;

    /// <summary>Creates a receiver over <paramref name="queue"/> (the guest's transmit queue); the queue stays the caller's.</summary>
    public VirtioNetRx(SplitQueue queue)
        : this(queue, singleDescriptorFastPath: true)
    {
    }

    /// <summary>
    /// Creates a receiver that, with <paramref name="singleDescriptorFastPath"/> false, walks every chain, including the
    /// single-descriptor ones the fast path takes: the reference the differential tests hold the fast path to.
    /// </summary>
    internal VirtioNetRx(SplitQueue queue, bool singleDescriptorFastPath)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Queue = queue;
        _singleDescriptorFastPath = singleDescriptorFastPath;
    }

    /// <summary>The guest's transmit queue this receiver drains.</summary>
    public SplitQueue Queue { get; }

    /// <summary>Heads taken from the guest and not yet returned by <see cref="Complete"/>.</summary>
    public int HeldCount { get; private set; }

    /// <summary>
    /// Appends up to <c>batch.Free</c> packets (and no more than <see cref="MaxHeld"/> − <see cref="HeldCount"/> chains)
    /// and returns how many were appended. Ownership: the caller owns the appended packets and frees or sends each;
    /// external ones stay valid until <see cref="Complete"/>, which the caller runs after every call that took chains
    /// (<see cref="HeldCount"/> &gt; 0), once those packets are gone. Chains whose packet was dropped (runt, too large,
    /// no pool buffer) are held too and returned by the same <see cref="Complete"/>. <paramref name="headerSize"/> is
    /// 0, 10 or 12 (<see cref="VirtioNetHeader.SizeFor"/>). Counts packets, bytes and drops in <paramref name="stats"/>
    /// (a super-frame counts as one packet of all its bytes).
    /// Each packet's <see cref="PacketBuffer.InPort"/> is set to <paramref name="inPort"/> as it is built (no second pass).
    /// <paramref name="accepted"/> is what the driver may ask in its headers (<see cref="VirtioNetOffloads.FromDriver"/>);
    /// <paramref name="largePool"/>, when given, holds frames larger than a buffer of <paramref name="pool"/>. Both pools
    /// belong to the calling thread, as the packets rented from them.
    /// </summary>
    public int Receive(GuestMemory memory, PacketBatch batch, PacketPool pool, int headerSize, bool zeroCopy, QueueStats stats,
        PortId inPort = default, PortOffloads accepted = PortOffloads.None, PacketPool? largePool = null)
    {
        if ((uint)headerSize > VirtioNetHeader.Size)
        {
            ThrowBadHeaderSize();
        }
        SplitQueue queue = Queue;
        int room = Math.Min(batch.Free, MaxHeld - HeldCount);
        if (room <= 0 || queue.IsBroken)
        {
            return 0;
        }
        int pending = queue.AvailableCount(memory);
        if (pending == 0)
        {
            CountIfJustBroken(queue, stats);
            return 0;
        }
        int take = Math.Min(room, pending);
        int appended = 0;
        long bytes = 0;
        var target = new RxTarget(pool, largePool, accepted);
        // The key extraction reads the Ethernet, IP and L4 headers right behind the virtio-net header.
        queue.PrefetchChains(memory, take, (uint)headerSize + PrefetchFrameBytes);
        queue.TryGetDescTable(memory, out GuestWindow table);
        for (int i = 0; i < take; i++)
        {
            if (!queue.TryPopAvail(memory, out ushort head))
            {
                stats.Drops.Add(DropReason.RxChainInvalid);
                break;
            }
            _held[HeldCount++] = head;
            if (TryReadChain(memory, table, head, target, (uint)headerSize, zeroCopy, out PacketBuffer? packet, out DropReason drop))
            {
                packet.InPort = inPort;
                batch.TryAdd(packet);
                bytes += packet.Length;
                appended++;
                continue;
            }
            stats.Drops.Add(drop);
            if (queue.IsBroken)
            {
                // The chain broke a rule and the queue with it: nothing more is taken.
                break;
            }
        }
        // Counters once per batch: fewer stores to a line other threads read.
        stats.Packets += appended;
        stats.Bytes += bytes;
        return appended;
    }

    /// <summary>
    /// Returns every held head to the guest: one used element each (length 0: the device wrote nothing), then one
    /// release-store of the used idx. Every used-ring write is dirty-logged in <paramref name="log"/> when given.
    /// Returns true when the guest wants an interrupt now (<see cref="SplitQueue.NeedsNotification"/>). On a broken
    /// queue the heads are forgotten instead (the driver must reset the device) and false is returned.
    /// </summary>
    public bool Complete(GuestMemory memory, DirtyLog? log)
    {
        int held = HeldCount;
        if (held == 0)
        {
            return false;
        }
        HeldCount = 0;
        SplitQueue queue = Queue;
        if (!queue.TryAddUsedRange(memory, _held.AsSpan(0, held), 0, log))
        {
            return false;
        }
        queue.PublishUsed(memory, log);
        return queue.NeedsNotification(memory);
    }

    /// <summary>
    /// Turns the chain at <paramref name="head"/> into a packet: one descriptor through the fast path, anything else
    /// through the walker. False with the reason when there is no packet: a drop (the chain was fine), or a driver
    /// violation, which also marks the queue broken.
    /// </summary>
    private bool TryReadChain(
        GuestMemory memory, GuestWindow table, ushort head, in RxTarget target, uint headerSize, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        if (_singleDescriptorFastPath && TryReadOneDescriptor(memory, table, head, headerSize, out GuestWindow single, out uint length))
        {
            return TryFinishSingleDescriptor(target, single, headerSize, length, zeroCopy, out packet, out reason);
        }
        return TryReadWalkedChain(memory, table, head, target, headerSize, zeroCopy, out packet, out reason);
    }

    /// <summary>
    /// Walks one chain: reads the header, keeps the first frame segment aside, and starts copying into a pool buffer
    /// only when a second segment shows the frame is split. After a drop the walk goes on to the end, so that a
    /// violation further down is still found; a violation marks the queue broken and is the reason given.
    /// </summary>
    private bool TryReadWalkedChain(
        GuestMemory memory, GuestWindow table, ushort head, in RxTarget target, uint headerSize, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        var walker = new DescriptorChainWalker(memory, table, (ushort)(table.Length / Descriptor.Size), head, ChainDirection.ReadableOnly);
        if (ReadWalkedChain(ref walker, target, headerSize, zeroCopy, out packet, out reason, out ChainStatus status))
        {
            return true;
        }
        if (status != ChainStatus.End)
        {
            Queue.MarkBroken(status);
        }
        return false;
    }

    /// <summary>
    /// The walk behind <see cref="TryReadWalkedChain"/>, for either ring kind (the walker knows the layout): false with
    /// the drop reason, and <paramref name="status"/> not <see cref="ChainStatus.End"/> when the chain broke a rule (the
    /// caller marks its queue broken). The header may be spread over several descriptors: its bytes are gathered on the
    /// stack and parsed once the frame's length is known.
    /// </summary>
    internal static unsafe bool ReadWalkedChain(
        ref DescriptorChainWalker walker, in RxTarget target, uint headerSize, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason, out ChainStatus status)
    {
        packet = null;
        reason = default;
        bool dropped = false;
        byte* header = stackalloc byte[VirtioNetHeader.Size];
        uint skip = headerSize;
        GuestWindow first = default;
        ulong firstOffset = 0;
        uint firstLength = 0;
        int segments = 0;
        ulong frameLength = 0;
        while ((status = walker.Next(out Descriptor descriptor, out GuestWindow buffer)) == ChainStatus.Ok)
        {
            uint length = descriptor.Length;
            uint skipped = Math.Min(skip, length);
            if (skipped != 0)
            {
                // SAFETY: header holds VirtioNetHeader.Size >= headerSize bytes, and skip <= headerSize, so the
                // skipped bytes land in [headerSize - skip, headerSize). The walker checked the window for length bytes.
                buffer.TryCopyTo(0, new Span<byte>(header + (headerSize - skip), (int)skipped));
                skip -= skipped;
            }
            length -= skipped;
            if (length == 0 || dropped)
            {
                continue;
            }
            frameLength += length;
            segments++;
            if (segments == 1)
            {
                first = buffer;
                firstOffset = skipped;
                firstLength = length;
            }
            else if (segments == 2 && !TryStartCopy(target, IsSuperFrameHeader(header, headerSize), first, firstOffset, firstLength, out packet, out reason))
            {
                dropped = true;
            }
            else if (!TryAppendGrowing(ref packet, target.LargePool, buffer, skipped, length, out reason))
            {
                FreeIfAny(ref packet);
                dropped = true;
            }
        }
        if (status != ChainStatus.End)
        {
            FreeIfAny(ref packet);
            reason = ChainDrop(status);
            return false;
        }
        if (dropped)
        {
            return false;
        }
        if (frameLength < MinFrame)
        {
            FreeIfAny(ref packet);
            reason = DropReason.RxRunt;
            return false;
        }
        if (!TryReadOffload(header, headerSize, frameLength, target.Accepted, out PacketOffload offload))
        {
            FreeIfAny(ref packet);
            reason = DropReason.OffloadHeaderInvalid;
            return false;
        }
        if (segments == 1)
        {
            // SAFETY: the walker checked the window for the descriptor's length, which covers [firstOffset, firstOffset + firstLength).
            if (!first.TryGetPointer(firstOffset, firstLength, out byte* frame))
            {
                reason = DropReason.GuestAddressUnmapped;
                return false;
            }
            return TryFinishFrame(target, frame, firstLength, zeroCopy, offload, out packet, out reason);
        }
        // Two or more segments and no drop: the copy was started at the second one and took every segment since.
        Debug.Assert(packet != null);
        packet.Offload = offload;
        return true;
    }

    /// <summary>
    /// The common chain, taken without a walker: one descriptor that <see cref="DescriptorRules.TryCheckSingle"/> accepts
    /// for a transmit queue (so a walk would yield exactly this readable buffer and end) and that holds the header and
    /// at least a minimal frame. Anything else returns false and the chain is walked instead, which names the violation
    /// or the drop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadOneDescriptor(GuestMemory memory, GuestWindow table, ushort head, uint headerSize, out GuestWindow buffer, out uint length)
    {
        if (!table.TryReadDescriptorBytes((ulong)head * Descriptor.Size, out ulong address, out length, out ushort flags, out _)
            || length < headerSize + MinFrame)
        {
            buffer = default;
            return false;
        }
        return DescriptorRules.TryCheckSingle(memory, address, length, flags, ChainDirection.ReadableOnly, out buffer);
    }

    /// <summary>
    /// The packet of a chain of one descriptor of <paramref name="length"/> bytes (header and at least a minimal frame,
    /// checked by the caller): the header parsed, then the frame lent or copied. False with the reason if dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe bool TryFinishSingleDescriptor(
        in RxTarget target, GuestWindow buffer, uint headerSize, uint length, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        packet = null;
        // SAFETY: TryCheckSingle checked the window for length bytes; the pointer covers header and frame.
        if (!buffer.TryGetPointer(0, length, out byte* start))
        {
            reason = DropReason.GuestAddressUnmapped;
            return false;
        }
        uint frameLength = length - headerSize;
        if (!TryReadOffload(start, headerSize, frameLength, target.Accepted, out PacketOffload offload))
        {
            reason = DropReason.OffloadHeaderInvalid;
            return false;
        }
        return TryFinishFrame(target, start + headerSize, frameLength, zeroCopy, offload, out packet, out reason);
    }

    /// <summary>
    /// The offload metadata of the header at <paramref name="header"/> for a frame of <paramref name="frameLength"/>
    /// bytes; false when the header cannot describe the frame. Without a virtio-net header (size 0) the frame is plain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe bool TryReadOffload(byte* header, uint headerSize, ulong frameLength, PortOffloads accepted, out PacketOffload offload)
    {
        // The common frame: no flag and no gso type, one 16-bit load and a branch (the header size is the same for
        // every chain of the ring). SAFETY: with a header, header points at headerSize >= VnetHeader.Size readable bytes.
        if (headerSize < VnetHeader.Size || Unsafe.ReadUnaligned<ushort>(header) == 0)
        {
            offload = default;
            return true;
        }
        return TryParseOffload(header, frameLength, accepted, out offload);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe bool TryParseOffload(byte* header, ulong frameLength, PortOffloads accepted, out PacketOffload offload)
    {
        if (!VnetHeader.TryParse(header, (int)Math.Min(frameLength, int.MaxValue), accepted, out offload)
            || offload.HdrLen > frameLength)
        {
            // hdr_len is only a hint (the headers are re-read where they matter), but one beyond the frame is a lie.
            return false;
        }
        // VIRTIO 1.2 §5.1.6.2.1: the driver MUST NOT set DATA_VALID. A guest's word that its checksums were checked is not
        // passed on: the next receiver would then skip checking a frame nobody checked.
        offload.Flags &= ~OffloadFlags.DataValid;
        return true;
    }

    /// <summary>True when the gathered header asks for segmentation: the frame behind it is likely larger than a pool buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool IsSuperFrameHeader(byte* header, uint headerSize) =>
        headerSize >= VnetHeader.Size && header[1] != 0;

    /// <summary>
    /// The packet for a frame of <paramref name="length"/> contiguous bytes at <paramref name="frame"/> (checked guest
    /// memory): lent guest memory (zero-copy) or a copy, in a buffer of the pool or, when too large, of the large pool;
    /// false with the reason if dropped.
    /// </summary>
    internal static unsafe bool TryFinishFrame(
        in RxTarget target, byte* frame, uint length, bool zeroCopy, in PacketOffload offload,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        if (!TryRentFor(target, length, out packet, out reason))
        {
            return false;
        }
        // SAFETY: frame points at length checked bytes of guest memory; length <= DataRoom of the rented buffer fits an
        // int. Zero-copy: the guest cannot reuse the buffer before Complete returns the head, which the caller runs
        // only after the packet is gone (AttachExternal contract); DataRoom leaves TryMakeOwned room for a copy.
        if (zeroCopy)
        {
            packet.AttachExternal(frame, (int)length);
        }
        else
        {
            packet.TrySetLength((int)length);
            new ReadOnlySpan<byte>(frame, (int)length).CopyTo(packet.Span);
        }
        packet.Offload = offload;
        return true;
    }

    /// <summary>A buffer whose data room holds <paramref name="length"/> bytes: from the pool, else from the large pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryRentFor(in RxTarget target, uint length, [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        if (!target.Pool.TryRent(out packet))
        {
            reason = DropReason.PoolExhausted;
            return false;
        }
        if (length <= (uint)packet.DataRoom)
        {
            reason = default;
            return true;
        }
        return TryRentLarge(target.LargePool, length, ref packet, out reason);
    }

    /// <summary>Swaps <paramref name="packet"/> (an empty buffer too small for the frame) for one of the large pool.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryRentLarge(PacketPool? largePool, uint length, [NotNullWhen(true)] ref PacketBuffer? packet, out DropReason reason)
    {
        FreeIfAny(ref packet);
        if (largePool is null)
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        if (!largePool.TryRent(out packet))
        {
            reason = DropReason.PoolExhausted;
            return false;
        }
        if (length > (uint)packet.DataRoom)
        {
            FreeIfAny(ref packet);
            reason = DropReason.PacketTooLarge;
            return false;
        }
        reason = default;
        return true;
    }

    /// <summary>
    /// A pool buffer holding the first segment of a split frame (from the large pool when <paramref name="large"/> and
    /// there is one); false with the reason (and nothing rented) if not.
    /// </summary>
    private static bool TryStartCopy(
        in RxTarget target, bool large, GuestWindow first, ulong offset, uint length, [NotNullWhen(true)] out PacketBuffer? packet,
        out DropReason reason)
    {
        PacketPool pool = large && target.LargePool is { } largePool ? largePool : target.Pool;
        if (!pool.TryRent(out packet))
        {
            reason = DropReason.PoolExhausted;
            return false;
        }
        if (!TryAppendGrowing(ref packet, target.LargePool, first, offset, length, out reason))
        {
            FreeIfAny(ref packet);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Appends a segment; when it does not fit a buffer of the pool, first moves the packet into a buffer of the large
    /// pool (one more copy of what is already there, only for frames larger than a pool buffer).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryAppendGrowing([NotNullWhen(true)] ref PacketBuffer? packet, PacketPool? largePool, GuestWindow source, ulong offset, uint length, out DropReason reason)
    {
        if (packet is null)
        {
            // Not reached: the copy of a split frame has started, so there is a packet.
            reason = DropReason.PoolExhausted;
            return false;
        }
        if (TryAppend(packet, source, offset, length))
        {
            reason = default;
            return true;
        }
        return TryMoveToLarge(ref packet, largePool, out reason) && TryAppendOrTooLarge(packet, source, offset, length, out reason);
    }

    /// <summary>Moves the bytes of <paramref name="packet"/> into a buffer of the large pool and frees the old buffer.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryMoveToLarge([NotNullWhen(true)] ref PacketBuffer? packet, PacketPool? largePool, out DropReason reason)
    {
        if (largePool is null || ReferenceEquals(packet!.Pool, largePool))
        {
            reason = DropReason.PacketTooLarge;
            return false;
        }
        if (!largePool.TryRent(out PacketBuffer? large))
        {
            reason = DropReason.PoolExhausted;
            return false;
        }
        if (!large.TryCopyFrom(packet.Span))
        {
            large.Free();
            reason = DropReason.PacketTooLarge;
            return false;
        }
        packet.Free();
        packet = large;
        reason = default;
        return true;
    }

    private static bool TryAppendOrTooLarge(PacketBuffer packet, GuestWindow source, ulong offset, uint length, out DropReason reason)
    {
        if (TryAppend(packet, source, offset, length))
        {
            reason = default;
            return true;
        }
        reason = DropReason.PacketTooLarge;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryAppend(PacketBuffer packet, GuestWindow source, ulong offset, uint length)
    {
        int at = packet.Length;
        if (length > (uint)(packet.Capacity - at) || !packet.TrySetLength(at + (int)length))
        {
            return false;
        }
        return source.TryCopyTo(offset, packet.Span.Slice(at, (int)length));
    }

    private static void FreeIfAny(ref PacketBuffer? packet)
    {
        packet?.Free();
        packet = null;
    }

    /// <summary>The drop counted for a chain that broke a rule: a buffer outside guest memory, or any other violation.</summary>
    internal static DropReason ChainDrop(ChainStatus status) =>
        status == ChainStatus.OutOfRange ? DropReason.GuestAddressUnmapped : DropReason.RxChainInvalid;

    private static void CountIfJustBroken(SplitQueue queue, QueueStats stats)
    {
        if (queue.IsBroken)
        {
            stats.Drops.Add(DropReason.QueueBroken);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowBadHeaderSize() =>
        throw new ArgumentOutOfRangeException("headerSize", "The virtio-net header is 0, 10 or 12 bytes.");
}
