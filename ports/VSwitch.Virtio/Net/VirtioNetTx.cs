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
/// Switch to guest: fills the guest's receive virtqueue (even queue index) with packets. Design note: each packet is
/// written as a virtio-net header followed by the frame. A plain packet gets a constant header (all zero except
/// num_buffers); a packet with offload metadata gets <see cref="PacketBuffer.Offload"/> written by
/// <see cref="VnetHeader.Write"/>, which the driver must have accepted (GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN: the
/// datapath finishes anything else in software first). A packet that still asks for more is dropped
/// (<see cref="DropReason.TxOffloadRefused"/>) rather than handing the guest a header it did not negotiate. Without mergeable buffers the packet must fit one chain; a chain that is too small is left where it is for
/// the next packet and the packet is dropped (<see cref="DropReason.TxNoGuestBuffer"/>). With mergeable buffers
/// (VIRTIO_NET_F_MRG_RXBUF) the packet spreads over as many chains as it needs and num_buffers says how many; if the
/// guest has too few, every chain taken for the packet is given back untouched (positions rewound) and the packet
/// is dropped (<see cref="DropReason.TxNoGuestBuffer"/>, or <see cref="DropReason.PacketTooLarge"/> when even the whole
/// ring cannot hold it). One release-store of the used idx per call. Every byte written into guest memory (data,
/// used elements, used idx) is dirty-logged when a <see cref="DirtyLog"/> is given.
/// Thread rule: one sender at a time per queue (the port serialises senders per batch). No allocation.
/// </summary>
public sealed class VirtioNetTx
{
    internal const int MinHeaderWithNumBuffers = VirtioNetHeader.NumBuffersOffset + 2;

    private readonly bool _singleDescriptorFastPath;
    private readonly byte[] _offloadHeader = new byte[VirtioNetHeader.Size];

    /// <summary>Creates a transmitter over <paramref name="queue"/> (the guest's receive queue); the queue stays the caller's.</summary>
    public VirtioNetTx(SplitQueue queue)
        : this(queue, singleDescriptorFastPath: true)
    {
    }

    /// <summary>
    /// Creates a transmitter that, with <paramref name="singleDescriptorFastPath"/> false, walks every chain, including
    /// the single-descriptor ones the fast path takes: the reference the differential tests hold the fast path to.
    /// </summary>
    internal VirtioNetTx(SplitQueue queue, bool singleDescriptorFastPath)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Queue = queue;
        _singleDescriptorFastPath = singleDescriptorFastPath;
    }

    /// <summary>The guest's receive queue this transmitter fills.</summary>
    public SplitQueue Queue { get; }

    /// <summary>
    /// A header with every field zero and num_buffers = 1 (little-endian), sliced to the header size in use. VIRTIO 1.2
    /// §5.1.6.4.1: without MRG_RXBUF the device sets num_buffers to 1; with it, to the buffers used (patched later).
    /// </summary>
    internal static ReadOnlySpan<byte> HeaderTemplate => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];

    /// <summary>
    /// Writes every packet of <paramref name="batch"/> into the guest's receive buffers. Ownership: takes every packet
    /// (each is written or counted as a drop, then freed; the batch is empty on return). <paramref name="headerSize"/> is
    /// 0, 10 or 12 (<see cref="VirtioNetHeader.SizeFor"/>); <paramref name="mergeable"/> needs 12. Returns true when
    /// something was written and the guest wants an interrupt (<see cref="SplitQueue.NeedsNotification"/>).
    /// <paramref name="accepted"/> is what the driver takes in its headers (<see cref="VirtioNetOffloads.ToDriver"/>).
    /// A frame larger than one receive buffer needs mergeable buffers or a chain large enough (the driver's big packets).
    /// </summary>
    public bool Send(GuestMemory memory, PacketBatch batch, bool mergeable, int headerSize, DirtyLog? log, QueueStats stats,
        PortOffloads accepted = PortOffloads.None)
    {
        if ((uint)headerSize > VirtioNetHeader.Size || (mergeable && headerSize < MinHeaderWithNumBuffers))
        {
            ThrowBadHeaderSize();
        }
        SplitQueue queue = Queue;
        ReadOnlySpan<byte> header = HeaderTemplate[..headerSize];
        int written = 0;
        long bytes = 0;
        if (batch.Count != 0 && !queue.IsBroken && queue.AvailableCount(memory) != 0)
        {
            // Normally one receive buffer per packet, written from its start: header plus the frame's first bytes.
            queue.PrefetchChains(memory, batch.Count, (uint)headerSize + (uint)batch[0].Length);
        }
        queue.TryGetDescTable(memory, out GuestWindow table);
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer packet = batch[i];
            DropReason drop;
            bool offloaded = HasOffload(packet);
            if (offloaded && !TryBuildOffloadHeader(packet, accepted, _offloadHeader, headerSize, out drop))
            {
                stats.Drops.Add(drop);
                packet.Free();
                continue;
            }
            ReadOnlySpan<byte> packetHeader = offloaded ? _offloadHeader.AsSpan(0, headerSize) : header;
            if (TryWrite(memory, table, packetHeader, packet.Span, mergeable, log, out drop))
            {
                written++;
                bytes += packet.Length;
            }
            else
            {
                stats.Drops.Add(drop);
            }
            packet.Free();
        }
        batch.Clear();
        // Counters once per batch: fewer stores to a line other threads read.
        stats.Packets += written;
        stats.Bytes += bytes;
        if (written == 0)
        {
            return false;
        }
        queue.PublishUsed(memory, log);
        return queue.NeedsNotification(memory);
    }

    /// <summary>True when the packet carries offload metadata (a pending checksum, segmentation, or a verified checksum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool HasOffload(PacketBuffer packet)
    {
        ref PacketOffload offload = ref packet.Offload;
        return ((byte)offload.Flags | (byte)offload.Gso) != 0;
    }

    /// <summary>
    /// Writes the virtio-net header of a packet with offload metadata into <paramref name="header"/> (num_buffers = 1
    /// in bytes 10 and 11, as the template has it). False with <see cref="DropReason.TxOffloadRefused"/> when the packet
    /// asks for something the driver did not accept (VIRTIO 1.2 §5.1.6.4.1: without GUEST_CSUM the device must not set
    /// NEEDS_CSUM, and gso_type must stay NONE without the matching GUEST_TSO feature). DATA_VALID is passed on only to a
    /// driver with GUEST_CSUM, which is the only one allowed to see it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static unsafe bool TryBuildOffloadHeader(PacketBuffer packet, PortOffloads accepted, byte[] header, int headerSize, out DropReason reason)
    {
        PacketOffload offload = packet.Offload;
        bool csum = (accepted & PortOffloads.Csum) != 0;
        bool refused = offload.Gso switch
        {
            GsoType.None => false,
            GsoType.TcpV4 => (accepted & PortOffloads.Tso4) == 0,
            GsoType.TcpV6 => (accepted & PortOffloads.Tso6) == 0,
            _ => true,
        };
        refused |= offload.Gso != GsoType.None && offload.GsoEcn && (accepted & PortOffloads.TsoEcn) == 0;
        refused |= (offload.Flags & OffloadFlags.NeedsCsum) != 0 && !csum;
        if (!csum)
        {
            offload.Flags &= ~OffloadFlags.DataValid;
        }
        // Without a virtio-net header (size 0) nothing can be said: only a frame that asks for nothing may go.
        refused |= headerSize < VnetHeader.Size && !offload.IsPlain;
        if (refused)
        {
            reason = DropReason.TxOffloadRefused;
            return false;
        }
        fixed (byte* h = header)
        {
            // SAFETY: header is VirtioNetHeader.Size >= VnetHeader.Size bytes, pinned for the write.
            VnetHeader.Write(h, offload);
        }
        header[VirtioNetHeader.NumBuffersOffset] = 1;
        header[VirtioNetHeader.NumBuffersOffset + 1] = 0;
        reason = default;
        return true;
    }

    /// <summary>One packet into the guest's buffers; false with the reason when it is dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryWrite(
        GuestMemory memory, GuestWindow table, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, bool mergeable, DirtyLog? log,
        out DropReason reason)
    {
        if (Queue.IsBroken)
        {
            reason = DropReason.QueueBroken;
            return false;
        }
        return mergeable
            ? TryWriteMergeable(memory, table, header, frame, log, out reason)
            : TryWriteSingle(memory, table, header, frame, log, out reason);
    }

    /// <summary>One packet into one chain; false with the reason when it does not fit or the chain breaks a rule.</summary>
    private bool TryWriteSingle(
        GuestMemory memory, GuestWindow table, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, DirtyLog? log, out DropReason reason)
    {
        SplitQueue queue = Queue;
        reason = default;
        if (!queue.TryPopAvail(memory, out ushort head))
        {
            reason = queue.IsBroken ? ChainDrop(queue.BrokenReason) : DropReason.TxNoGuestBuffer;
            return false;
        }
        if (_singleDescriptorFastPath && TryWriteOneDescriptor(memory, table, head, header, frame, log, out uint written))
        {
            queue.TryAddUsed(memory, head, written, log);
            return true;
        }
        var cursor = new WriteCursor(header, frame);
        ChainStatus status = FillChain(memory, table, head, ref cursor, log, out uint chainBytes);
        if (status != ChainStatus.End)
        {
            queue.MarkBroken(status);
            reason = ChainDrop(status);
            return false;
        }
        if (!cursor.Done)
        {
            queue.UndoPop();
            reason = DropReason.TxNoGuestBuffer;
            return false;
        }
        queue.TryAddUsed(memory, head, chainBytes, log);
        return true;
    }

    /// <summary>
    /// One packet over as many chains as needed, num_buffers patched at the end (VIRTIO 1.2 §5.1.6.4); false with the
    /// reason when the guest has too few buffers (every chain taken is given back) or a chain breaks a rule.
    /// </summary>
    private bool TryWriteMergeable(
        GuestMemory memory, GuestWindow table, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, DirtyLog? log, out DropReason reason)
    {
        SplitQueue queue = Queue;
        ushort startAvail = queue.NextAvail;
        ushort startUsed = queue.NextUsed;
        var cursor = new WriteCursor(header, frame);
        int buffers = 0;
        reason = default;
        while (!cursor.Done)
        {
            if (buffers == queue.Size)
            {
                queue.Rewind(startAvail, startUsed);
                reason = DropReason.PacketTooLarge;
                return false;
            }
            if (!queue.TryPopAvail(memory, out ushort head))
            {
                if (queue.IsBroken)
                {
                    reason = ChainDrop(queue.BrokenReason);
                    return false;
                }
                queue.Rewind(startAvail, startUsed);
                reason = DropReason.TxNoGuestBuffer;
                return false;
            }
            if (buffers == 0 && _singleDescriptorFastPath && TryWriteOneDescriptor(memory, table, head, header, frame, log, out uint written))
            {
                // The whole packet fit the first buffer: num_buffers stays 1, as the header template has it.
                queue.TryAddUsed(memory, head, written, log);
                return true;
            }
            ChainStatus status = FillChain(memory, table, head, ref cursor, log, out uint chainBytes);
            if (status != ChainStatus.End)
            {
                queue.MarkBroken(status);
                reason = ChainDrop(status);
                return false;
            }
            queue.TryAddUsed(memory, head, chainBytes, log);
            buffers++;
        }
        if (buffers > 1)
        {
            cursor.PatchNumBuffers((ushort)buffers, log);
        }
        return true;
    }

    /// <summary>
    /// The common chain, written without a walker: one descriptor that <see cref="DescriptorRules.TryCheckSingle"/>
    /// accepts for a receive queue (so a walk would yield exactly this writable buffer and end) and that holds header and
    /// frame. Anything else returns false with nothing written, and the caller walks the chain from the same head, which
    /// names the violation or finds the chain too small.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryWriteOneDescriptor(
        GuestMemory memory, GuestWindow table, ushort head, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, DirtyLog? log, out uint written)
    {
        if (!table.TryReadDescriptorBytes((ulong)head * Descriptor.Size, out ulong address, out uint length, out ushort flags, out _))
        {
            written = 0;
            return false;
        }
        return TryWriteSingleBuffer(memory, address, length, flags, header, frame, log, out written);
    }

    /// <summary>
    /// The single-descriptor write for either ring kind, given the descriptor's fields (read once by the caller): false
    /// with nothing written unless the descriptor is a whole writable chain that holds header and frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe bool TryWriteSingleBuffer(
        GuestMemory memory, ulong address, uint length, ushort flags, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, DirtyLog? log,
        out uint written)
    {
        uint total = (uint)(header.Length + frame.Length);
        if (length < total
            || !DescriptorRules.TryCheckSingle(memory, address, length, flags, ChainDirection.WritableOnly, out GuestWindow buffer))
        {
            written = 0;
            return false;
        }
        // One bounds check for both copies: the window holds at least total bytes (length >= total above).
        if (!buffer.TryGetPointer(0, total, out byte* destination))
        {
            written = 0;
            return false;
        }
        // SAFETY: destination points at total = header.Length + frame.Length checked bytes inside the buffer's window.
        header.CopyTo(new Span<byte>(destination, header.Length));
        frame.CopyTo(new Span<byte>(destination + header.Length, frame.Length));
        log?.Mark(new GuestAddress(address), total);
        written = total;
        return true;
    }

    /// <summary>Writes from <paramref name="cursor"/> into every writable descriptor of one chain until the cursor or the chain ends.</summary>
    private static ChainStatus FillChain(GuestMemory memory, GuestWindow table, ushort head, ref WriteCursor cursor, DirtyLog? log, out uint chainBytes)
    {
        var walker = new DescriptorChainWalker(memory, table, (ushort)(table.Length / Descriptor.Size), head, ChainDirection.WritableOnly);
        return FillChain(ref walker, ref cursor, log, out chainBytes);
    }

    /// <summary>Writes from <paramref name="cursor"/> into every writable descriptor <paramref name="walker"/> yields (either ring kind).</summary>
    internal static ChainStatus FillChain(ref DescriptorChainWalker walker, ref WriteCursor cursor, DirtyLog? log, out uint chainBytes)
    {
        chainBytes = 0;
        ChainStatus status;
        while ((status = walker.Next(out Descriptor descriptor, out GuestWindow buffer)) == ChainStatus.Ok)
        {
            if (!cursor.Done)
            {
                uint n = cursor.WriteInto(buffer, descriptor.Length, descriptor.Address);
                log?.Mark(descriptor.Address, n);
                chainBytes += n;
            }
        }
        return status;
    }

    /// <summary>The drop counted for a chain that broke a rule: a buffer outside guest memory, or any other violation.</summary>
    internal static DropReason ChainDrop(ChainStatus status) =>
        status == ChainStatus.OutOfRange ? DropReason.GuestAddressUnmapped : DropReason.RxChainInvalid;

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowBadHeaderSize() =>
        throw new ArgumentOutOfRangeException("headerSize", "The virtio-net header is 0, 10 or 12 bytes; mergeable buffers need 12.");
}
