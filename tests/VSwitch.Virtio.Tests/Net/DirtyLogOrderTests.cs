using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// A dirty-log mark covers only the writes before it: the front-end reads and clears the bitmap while the switch runs,
/// then copies the pages it found, so a page written again after its bit was read and cleared must be marked again.
/// These tests put a front-end's "read and clear" between a mark and a later write to the same page. The log bitmap
/// lies in guest memory under the second buffer a mergeable packet fills, so the zero bytes written there clear the
/// bits set so far, exactly as a front-end's log sync at that moment would.
/// </summary>
public sealed unsafe class DirtyLogOrderTests
{
    private const int HeaderSize = 12;
    private const uint BufferBytes = 1024;
    private const int FrameBytes = 1500;   // header + frame need two buffers of 1024 bytes

    [Fact]
    public void Split_mergeable_num_buffers_patch_is_logged_after_a_log_sync_that_followed_the_first_buffer()
    {
        var rig = new VirtqueueRig(queueSize: 64);
        var tx = new VirtioNetTx(rig.Queue);
        ulong first = rig.Driver.Allocate(BufferBytes, alignment: DirtyLog.PageSize);
        ulong area = rig.Driver.Allocate(2 * DirtyLog.PageSize, alignment: DirtyLog.PageSize);
        ulong second = area + DirtyLog.PageSize;
        rig.Driver.AddChain(DriverBuffer.Writable(first, BufferBytes));
        rig.Driver.AddChain(DriverBuffer.Writable(second, BufferBytes));
        rig.Driver.PublishAvail();
        DirtyLog log = LogUnder(rig.Memory, VirtqueueRig.RegionBase + (4 << 20), second, first);
        (PacketBatch batch, QueueStats stats) = OneZeroFrame();

        tx.Send(rig.Memory, batch, mergeable: true, HeaderSize, log, stats);

        Assert.Equal(1, stats.Packets);
        Assert.Equal(2, ReadNumBuffers(rig.Memory, first));
        Assert.True(IsMarked(rig.Memory, second, first, first / DirtyLog.PageSize),
            "num_buffers was patched into the first buffer after its page's mark was consumed, and not marked again");
    }

    [Fact]
    public void Packed_mergeable_num_buffers_patch_is_logged_after_a_log_sync_that_followed_the_first_buffer()
    {
        var rig = new PackedQueueRig(queueSize: 64);
        var tx = new PackedNetTx(rig.Queue);
        ulong first = rig.Driver.Allocate(BufferBytes, alignment: DirtyLog.PageSize);
        ulong area = rig.Driver.Allocate(2 * DirtyLog.PageSize, alignment: DirtyLog.PageSize);
        ulong second = area + DirtyLog.PageSize;
        rig.Driver.AddBuffer(first, BufferBytes, writable: true);
        rig.Driver.AddBuffer(second, BufferBytes, writable: true);
        rig.Driver.PublishAvail();
        DirtyLog log = LogUnder(rig.Memory, PackedQueueRig.RegionBase + (4 << 20), second, first);
        (PacketBatch batch, QueueStats stats) = OneZeroFrame();

        tx.Send(rig.Memory, batch, mergeable: true, HeaderSize, log, stats);

        Assert.Equal(1, stats.Packets);
        Assert.Equal(2, ReadNumBuffers(rig.Memory, first));
        Assert.True(IsMarked(rig.Memory, second, first, first / DirtyLog.PageSize),
            "num_buffers was patched into the first buffer after its page's mark was consumed, and not marked again");
    }

    [Fact]
    public void Packed_first_used_flags_are_logged_after_a_log_sync_that_followed_its_descriptor()
    {
        // Two single-buffer packets completed in slots 255 and 256 of a 512-slot ring: the first used descriptor ends
        // one page of the descriptor ring, the second starts the next. The first one's flags are stored last (they
        // publish the batch). The log byte of the first page lies under the second used descriptor's length, so writing
        // that length (76 = 0b01001100, bit 0 clear) clears the first page's bit, as a front-end's sync would then.
        var rig = new PackedQueueRig(queueSize: 512);
        ulong descRing = rig.Driver.DescRing.Value;
        ulong firstPage = descRing / DirtyLog.PageSize;
        Assert.Equal(0ul, firstPage % 8);
        ulong secondDescriptor = descRing + (256 * 16);
        Assert.Equal(firstPage + 1, secondDescriptor / DirtyLog.PageSize);
        ulong overlay = secondDescriptor + 8;
        DirtyLog log = LogUnder(rig.Memory, PackedQueueRig.RegionBase + (4 << 20), overlay, descRing);
        // Data buffers far enough up that their log bytes fall on ring slots the device never reads here.
        ulong data = PackedQueueRig.RegionBase + (3 << 20);
        Assert.True(rig.Queue.TrySetState(PackedQueueState.FromVhostBase(255 | (1u << 15))));
        rig.Driver.WriteSlot(255, data, 2048, id: 0, rig.Driver.AvailableFlags(Descriptor.WriteFlag));
        rig.Driver.WriteSlot(256, data + 4096, 2048, id: 1, rig.Driver.AvailableFlags(Descriptor.WriteFlag));
        var tx = new PackedNetTx(rig.Queue);
        var pool = new PacketPool(4);
        var batch = new PacketBatch();
        for (int i = 0; i < 2; i++)
        {
            Assert.True(pool.TryRent(out PacketBuffer? packet));
            Assert.True(packet!.TryCopyFrom(new byte[64]));
            batch.TryAdd(packet);
        }
        var stats = new QueueStats();

        tx.Send(rig.Memory, batch, mergeable: false, HeaderSize, log, stats);

        Assert.Equal(2, stats.Packets);
        Assert.True(IsMarked(rig.Memory, overlay, descRing, firstPage),
            "the first used descriptor's flags were stored after its page's mark was consumed, and not marked again");
    }

    /// <summary>One all-zero frame that needs two receive buffers.</summary>
    private static (PacketBatch Batch, QueueStats Stats) OneZeroFrame()
    {
        var pool = new PacketPool(4);
        Assert.True(pool.TryRent(out PacketBuffer? packet));
        Assert.True(packet!.TryCopyFrom(new byte[FrameBytes]));
        var batch = new PacketBatch();
        batch.TryAdd(packet);
        return (batch, new QueueStats());
    }

    /// <summary>
    /// A log covering guest memory up to <paramref name="memoryEnd"/> whose bitmap byte for <paramref name="page"/>'s
    /// page is the first byte of the guest buffer at <paramref name="overlay"/>.
    /// </summary>
    private static DirtyLog LogUnder(GuestMemory memory, ulong memoryEnd, ulong overlay, ulong page)
    {
        ulong bytes = (memoryEnd / DirtyLog.PageSize / 8) + 1;
        byte* bitmap = BitmapStart(memory, overlay, page);
        Assert.True(memory.TryGetPointer(new GuestAddress(overlay - ((page / DirtyLog.PageSize) / 8)), (uint)bytes, out _),
            "the bitmap must lie inside the fake guest memory");
        new Span<byte>(bitmap, (int)bytes).Clear();
        return new DirtyLog((nint)bitmap, bytes);
    }

    private static byte* BitmapStart(GuestMemory memory, ulong overlay, ulong page)
    {
        Assert.True(memory.TryGetPointer(new GuestAddress(overlay), 1, out byte* at));
        return at - ((page / DirtyLog.PageSize) / 8);
    }

    private static bool IsMarked(GuestMemory memory, ulong overlay, ulong page, ulong pageNumber)
    {
        byte* bitmap = BitmapStart(memory, overlay, page);
        return (bitmap[pageNumber / 8] & (1 << (int)(pageNumber % 8))) != 0;
    }

    private static ushort ReadNumBuffers(GuestMemory memory, ulong buffer)
    {
        Assert.True(memory.TryGetPointer(new GuestAddress(buffer + VirtioNetHeader.NumBuffersOffset), 2, out byte* p));
        return (ushort)(p[0] | (p[1] << 8));
    }
}
