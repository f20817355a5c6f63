using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;

namespace VSwitch.Virtio.Net;

/// <summary>
/// Guest to switch over a packed ring: <see cref="VirtioNetRx"/>'s contract (same packets, same drops, same holding of
/// chains until <see cref="Complete"/>) on a <see cref="PackedQueue"/>. Design note: the packet building is
/// <see cref="VirtioNetRx"/>'s own static code (the single-segment finish, the walked chain); only taking chains
/// differs, header parsing and large frames included. The head's flags are read once with acquire, then its address, length and id once; a chain of one
/// descriptor goes through the fast path, anything else through the packed walker from the same slot. Each taken
/// chain is recorded in the queue's used shadow at once (length 0: the device writes nothing into a transmit buffer),
/// and <see cref="Complete"/> writes them all with one release of the first flags.
/// Thread rule: only the thread that polls the queue. No allocation; one copy per byte on the copy path.
/// </summary>
public sealed class PackedNetRx
{
    private readonly bool _singleDescriptorFastPath;

    /// <summary>Creates a receiver over <paramref name="queue"/> (the guest's transmit queue); the queue stays the caller's.</summary>
    public PackedNetRx(PackedQueue queue)
        : this(queue, singleDescriptorFastPath: true)
    {
    }

    /// <summary>With <paramref name="singleDescriptorFastPath"/> false every chain is walked: the differential tests' reference.</summary>
    internal PackedNetRx(PackedQueue queue, bool singleDescriptorFastPath)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Queue = queue;
        _singleDescriptorFastPath = singleDescriptorFastPath;
    }

    /// <summary>The guest's transmit queue this receiver drains.</summary>
    public PackedQueue Queue { get; }

    /// <summary>Chains taken from the guest and not yet returned by <see cref="Complete"/>.</summary>
    public int HeldCount { get; private set; }

    /// <summary>Same contract as <see cref="VirtioNetRx.Receive"/>.</summary>
    public int Receive(GuestMemory memory, PacketBatch batch, PacketPool pool, int headerSize, bool zeroCopy, QueueStats stats,
        PortId inPort = default, PortOffloads accepted = PortOffloads.None, PacketPool? largePool = null)
    {
        if ((uint)headerSize > VirtioNetHeader.Size)
        {
            VirtioNetRx.ThrowBadHeaderSize();
        }
        PackedQueue queue = Queue;
        int room = Math.Min(batch.Free, VirtioNetRx.MaxHeld - HeldCount);
        if (room <= 0 || queue.IsBroken)
        {
            return 0;
        }
        // As on the split ring: the key extraction reads the headers right behind the virtio-net header.
        queue.PrefetchChains(memory, room, (uint)headerSize + VirtioNetRx.PrefetchFrameBytes);
        queue.TryGetDescRing(memory, out GuestWindow ring);
        int appended = 0;
        long bytes = 0;
        var target = new RxTarget(pool, largePool, accepted);
        for (int i = 0; i < room; i++)
        {
            if (!queue.TryPeekAvail(memory, out ulong address, out uint length, out ushort id, out ushort flags))
            {
                if (queue.IsBroken)
                {
                    // The ring left guest memory with this snapshot: counted once, as the split receiver does.
                    stats.Drops.Add(DropReason.QueueBroken);
                }
                break;
            }
            ushort slots = 1;
            PacketBuffer? packet;
            DropReason drop;
            bool ok;
            if (_singleDescriptorFastPath
                && length >= (uint)headerSize + VirtioNetRx.MinFrame
                && DescriptorRules.TryCheckSingle(memory, address, length, flags, ChainDirection.ReadableOnly, out GuestWindow single))
            {
                ok = VirtioNetRx.TryFinishSingleDescriptor(target, single, (uint)headerSize, length, zeroCopy, out packet, out drop);
            }
            else
            {
                var walker = DescriptorChainWalker.Packed(memory, ring, queue.Size, queue.NextAvail, ChainDirection.ReadableOnly);
                ok = VirtioNetRx.ReadWalkedChain(ref walker, target, (uint)headerSize, zeroCopy, out packet, out drop, out ChainStatus status);
                if (status != ChainStatus.End)
                {
                    queue.MarkBroken(status);
                    stats.Drops.Add(drop);
                    break;
                }
                id = walker.Id;
                slots = walker.Slots;
            }
            if (!queue.TryConsume(id, 0, slots))
            {
                packet?.Free();
                stats.Drops.Add(DropReason.RxChainInvalid);
                break;
            }
            HeldCount++;
            if (ok)
            {
                packet!.InPort = inPort;
                batch.TryAdd(packet!);
                bytes += packet!.Length;
                appended++;
            }
            else
            {
                stats.Drops.Add(drop);
            }
        }
        stats.Packets += appended;
        stats.Bytes += bytes;
        return appended;
    }

    /// <summary>
    /// Returns every held chain to the guest (one used descriptor each, written by <see cref="PackedQueue.FlushUsed"/>).
    /// True when the guest wants an interrupt now. On a broken queue the chains are forgotten and false is returned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Complete(GuestMemory memory, DirtyLog? log)
    {
        if (HeldCount == 0)
        {
            return false;
        }
        HeldCount = 0;
        PackedQueue queue = Queue;
        return queue.FlushUsed(memory, log) && queue.NeedsNotification(memory);
    }
}
