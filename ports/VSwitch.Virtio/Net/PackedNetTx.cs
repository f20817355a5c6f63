using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.Virtio.Net;

/// <summary>
/// Switch to guest over a packed ring: <see cref="VirtioNetTx"/>'s contract (same header with the packet's offload
/// metadata, same mergeable-buffer rules, same drops) on a <see cref="PackedQueue"/>. Design note: the writing is <see cref="VirtioNetTx"/>'s own static code
/// (the single-buffer write, the chain fill through a walker, the num_buffers patch); only taking chains differs. Used
/// descriptors go into the queue's shadow and are written once per call (<see cref="PackedQueue.FlushUsed"/>), so a
/// packet that needs more buffers than the guest has gives back the chains it took untouched (a rewind), and a chain too
/// small for a packet without mergeable buffers stays where it is for the next packet.
/// Thread rule: one sender at a time per queue. No allocation.
/// </summary>
public sealed class PackedNetTx
{
    private readonly bool _singleDescriptorFastPath;
    private readonly byte[] _offloadHeader = new byte[VirtioNetHeader.Size];

    /// <summary>Creates a transmitter over <paramref name="queue"/> (the guest's receive queue); the queue stays the caller's.</summary>
    public PackedNetTx(PackedQueue queue)
        : this(queue, singleDescriptorFastPath: true)
    {
    }

    /// <summary>With <paramref name="singleDescriptorFastPath"/> false every chain is walked: the differential tests' reference.</summary>
    internal PackedNetTx(PackedQueue queue, bool singleDescriptorFastPath)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Queue = queue;
        _singleDescriptorFastPath = singleDescriptorFastPath;
    }

    /// <summary>The guest's receive queue this transmitter fills.</summary>
    public PackedQueue Queue { get; }

    /// <summary>Same contract as <see cref="VirtioNetTx.Send"/>.</summary>
    public bool Send(GuestMemory memory, PacketBatch batch, bool mergeable, int headerSize, DirtyLog? log, QueueStats stats,
        PortOffloads accepted = PortOffloads.None)
    {
        if ((uint)headerSize > VirtioNetHeader.Size || (mergeable && headerSize < VirtioNetTx.MinHeaderWithNumBuffers))
        {
            VirtioNetTx.ThrowBadHeaderSize();
        }
        PackedQueue queue = Queue;
        ReadOnlySpan<byte> header = VirtioNetTx.HeaderTemplate[..headerSize];
        queue.TryGetDescRing(memory, out GuestWindow ring);
        int written = 0;
        long bytes = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer packet = batch[i];
            DropReason drop;
            bool offloaded = VirtioNetTx.HasOffload(packet);
            if (offloaded && !VirtioNetTx.TryBuildOffloadHeader(packet, accepted, _offloadHeader, headerSize, out drop))
            {
                stats.Drops.Add(drop);
                packet.Free();
                continue;
            }
            ReadOnlySpan<byte> packetHeader = offloaded ? _offloadHeader.AsSpan(0, headerSize) : header;
            if (TryWrite(memory, ring, packetHeader, packet.Span, mergeable, log, out drop))
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
        stats.Packets += written;
        stats.Bytes += bytes;
        if (written == 0)
        {
            return false;
        }
        return queue.FlushUsed(memory, log) && queue.NeedsNotification(memory);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryWrite(
        GuestMemory memory, GuestWindow ring, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, bool mergeable, DirtyLog? log,
        out DropReason reason)
    {
        if (Queue.IsBroken)
        {
            reason = DropReason.QueueBroken;
            return false;
        }
        return mergeable
            ? TryWriteMergeable(memory, ring, header, frame, log, out reason)
            : TryWriteSingle(memory, ring, header, frame, log, out reason);
    }

    /// <summary>One packet into one chain; false with the reason when it does not fit (the chain stays) or breaks a rule.</summary>
    private bool TryWriteSingle(
        GuestMemory memory, GuestWindow ring, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, DirtyLog? log, out DropReason reason)
    {
        PackedQueue queue = Queue;
        reason = default;
        if (!queue.TryPeekAvail(memory, out ulong address, out uint length, out ushort id, out ushort flags))
        {
            reason = queue.IsBroken ? VirtioNetTx.ChainDrop(queue.BrokenReason) : DropReason.TxNoGuestBuffer;
            return false;
        }
        if (_singleDescriptorFastPath && VirtioNetTx.TryWriteSingleBuffer(memory, address, length, flags, header, frame, log, out uint written))
        {
            return queue.TryConsume(id, written, 1) || Broken(out reason);
        }
        var cursor = new WriteCursor(header, frame);
        var walker = DescriptorChainWalker.Packed(memory, ring, queue.Size, queue.NextAvail, ChainDirection.WritableOnly);
        ChainStatus status = VirtioNetTx.FillChain(ref walker, ref cursor, log, out uint chainBytes);
        if (status != ChainStatus.End)
        {
            queue.MarkBroken(status);
            reason = VirtioNetTx.ChainDrop(status);
            return false;
        }
        if (!cursor.Done)
        {
            reason = DropReason.TxNoGuestBuffer;
            return false;
        }
        return queue.TryConsume(walker.Id, chainBytes, walker.Slots) || Broken(out reason);
    }

    /// <summary>One packet over as many chains as needed, num_buffers patched at the end (VIRTIO 1.2 §5.1.6.4).</summary>
    private bool TryWriteMergeable(
        GuestMemory memory, GuestWindow ring, ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, DirtyLog? log, out DropReason reason)
    {
        PackedQueue queue = Queue;
        PackedMark start = queue.Mark();
        var cursor = new WriteCursor(header, frame);
        int buffers = 0;
        reason = default;
        while (!cursor.Done)
        {
            if (buffers == queue.Size)
            {
                queue.Rewind(start);
                reason = DropReason.PacketTooLarge;
                return false;
            }
            if (!queue.TryPeekAvail(memory, out ulong address, out uint length, out ushort id, out ushort flags))
            {
                if (queue.IsBroken)
                {
                    reason = VirtioNetTx.ChainDrop(queue.BrokenReason);
                    return false;
                }
                queue.Rewind(start);
                reason = DropReason.TxNoGuestBuffer;
                return false;
            }
            if (buffers == 0 && _singleDescriptorFastPath
                && VirtioNetTx.TryWriteSingleBuffer(memory, address, length, flags, header, frame, log, out uint written))
            {
                // The whole packet fit the first buffer: num_buffers stays 1, as the header template has it.
                return queue.TryConsume(id, written, 1) || Broken(out reason);
            }
            var walker = DescriptorChainWalker.Packed(memory, ring, queue.Size, queue.NextAvail, ChainDirection.WritableOnly);
            ChainStatus status = VirtioNetTx.FillChain(ref walker, ref cursor, log, out uint chainBytes);
            if (status != ChainStatus.End)
            {
                queue.MarkBroken(status);
                reason = VirtioNetTx.ChainDrop(status);
                return false;
            }
            if (!queue.TryConsume(walker.Id, chainBytes, walker.Slots))
            {
                return Broken(out reason);
            }
            buffers++;
        }
        if (buffers > 1)
        {
            cursor.PatchNumBuffers((ushort)buffers, log);
        }
        return true;
    }

    /// <summary>The drop of a packet whose chain the queue refused (<see cref="PackedQueue.TryConsume"/> broke it).</summary>
    private static bool Broken(out DropReason reason)
    {
        reason = DropReason.RxChainInvalid;
        return false;
    }
}
