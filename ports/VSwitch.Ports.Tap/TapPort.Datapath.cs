using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Ports.Tap;

/// <summary>The datapath half of <see cref="TapPort"/>: receive, send and wake-up. No allocation, lock or exception per packet.</summary>
public sealed partial class TapPort
{
    /// <summary>virtio_net_hdr flag: the checksum still has to be computed (VIRTIO 1.2 §5.1.6.2).</summary>
    private const byte VnetFlagNeedsCsum = 1;

    /// <summary>virtio_net_hdr flag: the checksum was already checked; harmless, accepted.</summary>
    private const byte VnetFlagDataValid = 2;

    private const int MinFrame = 14;

    /// <summary>
    /// Reads up to <c>batch.Free</c> frames from queue <paramref name="queue"/>'s fd into pool buffers and appends them;
    /// stops when the fd has nothing more (EAGAIN). The caller owns the packets (owned buffers, nothing to complete).
    /// Only the thread that polls <paramref name="queue"/>.
    /// </summary>
    public unsafe int Receive(int queue, PacketBatch batch)
    {
        if ((uint)queue >= (uint)_queues.Length)
        {
            return 0;
        }
        TapQueue q = _queues[queue];
        int fd = q.Fd;
        if (fd < 0)
        {
            return 0;
        }
        QueueStats stats = Stats.Rx[queue];
        int n = 0;
        long bytes = 0;
        while (!batch.IsFull && q.Pool.TryRent(out PacketBuffer? p))
        {
            q.RxIov[1].Base = p.Data;
            q.RxIov[1].Length = (nuint)p.Capacity;
            // SAFETY: RxIov points at native scratch owned by this queue ([0] its 12-byte header, [1] the rented
            // buffer's writable Capacity bytes); both outlive the call and only this thread uses them.
            nint r = Libc.readv(fd, q.RxIov, 2);
            if (r < 0)
            {
                p.Free();
                int errno = Libc.Errno;
                if (errno != Libc.EAGAIN && errno != Libc.EINTR)
                {
                    RxError(stats, errno);
                }
                break;
            }
            int length = (int)r - TapLink.VnetHeaderSize;
            DropReason? drop = length < MinFrame ? DropReason.RxRunt
                : length > p.Capacity ? DropReason.PacketTooLarge
                : !HeaderAcceptable(q.RxHeader) ? DropReason.RxOffloadUnexpected
                : null;
            if (drop is DropReason reason)
            {
                p.Free();
                stats.Drops.Add(reason);
                continue;
            }
            p.TrySetLength(length);
            p.InPort = Id;
            batch.TryAdd(p);
            bytes += length;
            n++;
        }
        stats.Packets += n;
        stats.Bytes += bytes;
        return n;
    }

    /// <inheritdoc/>
    public void CompleteReceive(int queue)
    {
    }

    /// <summary>
    /// Writes every frame of <paramref name="batch"/> to the tap with a zero vnet header (one writev each); any queue
    /// number is mapped onto the port's queues. A frame the kernel cannot take now (EAGAIN/ENOBUFS) is dropped as
    /// <see cref="DropReason.TxQueueFull"/>, one longer than MTU plus Ethernet and VLAN headers as
    /// <see cref="DropReason.PacketTooLarge"/>, one shorter than an Ethernet header as <see cref="DropReason.RxRunt"/> (the
    /// name a runt has everywhere), any while the interface is down as <see cref="DropReason.PortDown"/>.
    /// Takes ownership of all packets; the batch is empty on return. Any datapath thread.
    /// </summary>
    public unsafe void Send(int queue, PacketBatch batch)
    {
        int count = batch.Count;
        if (count == 0)
        {
            return;
        }
        int index = (int)((uint)queue % (uint)_queues.Length);
        TapQueue q = _queues[index];
        QueueStats stats = Stats.Tx[index];
        q.TxLock.Enter();
        int fd = q.Fd;
        int maxFrame = Volatile.Read(ref _maxFrame);
        int sent = 0;
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            PacketBuffer p = batch[i];
            int length = p.Length;
            if (fd < 0)
            {
                stats.Drops.Add(DropReason.PortDown);
                continue;
            }
            if (length > maxFrame)
            {
                stats.Drops.Add(DropReason.PacketTooLarge);
                continue;
            }
            if (length < MinFrame)
            {
                stats.Drops.Add(DropReason.RxRunt);
                continue;
            }
            q.TxIov[1].Base = p.Data;
            q.TxIov[1].Length = (nuint)length;
            // SAFETY: TxIov is this queue's native scratch, used only while TxLock is held; [0] is the zero header,
            // [1] the packet's Length valid bytes, which the caller owns until FreeAll below.
            nint r = Libc.writev(fd, q.TxIov, 2);
            if (r < 0)
            {
                stats.Drops.Add(TxDropReason(stats, Libc.Errno));
                continue;
            }
            sent++;
            bytes += length;
        }
        stats.Packets += sent;
        stats.Bytes += bytes;
        q.TxLock.Exit();
        batch.FreeAll();
    }

    /// <summary>
    /// The queue's wake-up fd (see <see cref="IRxWakeup"/>): an epoll fd watching the tap fd, readable exactly while a
    /// frame is queued. It is not the tap fd itself, so no reader of a wake fd can ever take a frame.
    /// </summary>
    public bool TryGetRxWakeFd(int queue, out int fd)
    {
        fd = (uint)queue < (uint)_queues.Length ? _queues[queue].EpollFd : -1;
        return fd >= 0;
    }

    /// <summary>
    /// A tap always signals through its fd: arming only checks (poll, no wait) whether a frame is already readable, and
    /// disarming has nothing to clear (the fd is readable only while frames are queued; receiving clears it).
    /// </summary>
    public bool SetRxWakeup(int queue, bool armed)
        => armed && (uint)queue < (uint)_queues.Length && FileDescriptor.IsReadable(_queues[queue].Fd);

    /// <summary>True unless the header asks for a checksum or segmentation we did not enable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe bool HeaderAcceptable(byte* header)
    {
        // virtio_net_hdr_v1: flags (u8), gso_type (u8), hdr_len, gso_size, csum_start, csum_offset, num_buffers (le16 each).
        // SAFETY: header points at a whole 12-byte vnet header (a queue's RxHeader scratch, or a test's buffer of that
        // size), so bytes 0..5 read here are inside it.
        byte flags = header[0];
        byte gsoType = header[1];
        return (flags & ~VnetFlagDataValid) == 0 && gsoType == 0 && (flags & VnetFlagNeedsCsum) == 0
            && BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 4, 2)) == 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private DropReason TxDropReason(QueueStats stats, int errno)
    {
        switch (errno)
        {
            case Libc.EAGAIN or Libc.ENOBUFS:
                return DropReason.TxQueueFull;
            case Libc.EIO or Libc.EBADFD or Libc.ENXIO:
                // The interface is down (tun refuses writes then) or its queue was detached.
                return DropReason.PortDown;
            case Libc.EINVAL or Libc.EMSGSIZE:
                Interlocked.Increment(ref stats.Errors);
                _lastError = "the kernel refused a frame (EINVAL/EMSGSIZE)";
                return DropReason.PacketTooLarge;
            default:
                Interlocked.Increment(ref stats.Errors);
                _lastError = "write to the tap failed";
                return DropReason.PortDown;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RxError(QueueStats stats, int errno)
    {
        Interlocked.Increment(ref stats.Errors);
        _lastError = errno == Libc.EBADFD ? "the tap queue was detached" : "read from the tap failed";
    }
}
