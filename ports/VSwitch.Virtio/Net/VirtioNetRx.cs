using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.Virtio.Net;

/// <summary>
/// Guest to switch: takes chains from the guest's transmit virtqueue (odd queue index) and turns each into a packet.
/// Design note: the virtio-net header (<c>headerSize</c> bytes, possibly spread over several descriptors) is skipped;
/// when the frame that follows lies in one descriptor and zero-copy is on, the packet lends that guest memory
/// (<see cref="PacketBuffer.AttachExternal"/>, the buffer object rented from the pool); otherwise the frame is copied
/// into a pool buffer. Every taken head is held, not returned to the guest, until <see cref="Complete"/>, so lent
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
    /// 0, 10 or 12 (<see cref="VirtioNetHeader.SizeFor"/>). Counts packets, bytes and drops in <paramref name="stats"/>.
    /// Each packet's <see cref="PacketBuffer.InPort"/> is set to <paramref name="inPort"/> as it is built (no second pass).
    /// </summary>
    public int Receive(GuestMemory memory, PacketBatch batch, PacketPool pool, int headerSize, bool zeroCopy, QueueStats stats,
        PortId inPort = default)
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
            if (TryReadChain(memory, table, head, pool, (uint)headerSize, zeroCopy, out PacketBuffer? packet, out DropReason drop))
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
        GuestMemory memory, GuestWindow table, ushort head, PacketPool pool, uint headerSize, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        if (_singleDescriptorFastPath && TryReadOneDescriptor(memory, table, head, headerSize, out GuestWindow single, out uint length))
        {
            return TryFinishSingleSegment(pool, single, headerSize, length - headerSize, zeroCopy, out packet, out reason);
        }
        return TryReadWalkedChain(memory, table, head, pool, headerSize, zeroCopy, out packet, out reason);
    }

    /// <summary>
    /// Walks one chain: skips the header, keeps the first frame segment aside, and starts copying into a pool buffer
    /// only when a second segment shows the frame is split. After a drop the walk goes on to the end, so that a
    /// violation further down is still found; a violation marks the queue broken and is the reason given.
    /// </summary>
    private bool TryReadWalkedChain(
        GuestMemory memory, GuestWindow table, ushort head, PacketPool pool, uint headerSize, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        var walker = new DescriptorChainWalker(memory, table, (ushort)(table.Length / Descriptor.Size), head, ChainDirection.ReadableOnly);
        if (ReadWalkedChain(ref walker, pool, headerSize, zeroCopy, out packet, out reason, out ChainStatus status))
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
    /// caller marks its queue broken).
    /// </summary>
    internal static bool ReadWalkedChain(
        ref DescriptorChainWalker walker, PacketPool pool, uint headerSize, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason, out ChainStatus status)
    {
        packet = null;
        reason = default;
        bool dropped = false;
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
            skip -= skipped;
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
            else if (segments == 2 && !TryStartCopy(pool, first, firstOffset, firstLength, out packet, out reason))
            {
                dropped = true;
            }
            else if (!TryAppend(packet!, buffer, skipped, length))
            {
                FreeIfAny(ref packet);
                reason = DropReason.PacketTooLarge;
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
        if (segments == 1)
        {
            return TryFinishSingleSegment(pool, first, firstOffset, firstLength, zeroCopy, out packet, out reason);
        }
        // Two or more segments and no drop: the copy was started at the second one and took every segment since.
        Debug.Assert(packet != null);
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

    /// <summary>The packet for a frame in one segment: lent guest memory (zero-copy) or a copy; false with the reason if dropped.</summary>
    internal static unsafe bool TryFinishSingleSegment(
        PacketPool pool, GuestWindow first, ulong offset, uint length, bool zeroCopy,
        [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        if (!pool.TryRent(out packet))
        {
            reason = DropReason.PoolExhausted;
            return false;
        }
        if (length <= (uint)packet.DataRoom)
        {
            if (zeroCopy)
            {
                // SAFETY: the buffer's window was checked to lie in guest memory, and [offset, offset + length) is
                // inside it; the guest cannot reuse it before Complete returns the head, which the caller runs only
                // after the packet is gone (AttachExternal contract). length <= DataRoom fits an int.
                first.TryGetPointer(offset, length, out byte* data);
                packet.AttachExternal(data, (int)length);
                reason = default;
                return true;
            }
            if (TryAppend(packet, first, offset, length))
            {
                reason = default;
                return true;
            }
        }
        FreeIfAny(ref packet);
        reason = DropReason.PacketTooLarge;
        return false;
    }

    /// <summary>A pool buffer holding the first segment of a split frame; false with the reason (and nothing rented) if not.</summary>
    private static bool TryStartCopy(
        PacketPool pool, GuestWindow first, ulong offset, uint length, [NotNullWhen(true)] out PacketBuffer? packet, out DropReason reason)
    {
        if (!pool.TryRent(out packet))
        {
            reason = DropReason.PoolExhausted;
            return false;
        }
        if (!TryAppend(packet, first, offset, length))
        {
            FreeIfAny(ref packet);
            reason = DropReason.PacketTooLarge;
            return false;
        }
        reason = default;
        return true;
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
