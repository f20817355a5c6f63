using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Ports.Tap;

/// <summary>The datapath half of <see cref="TapPort"/>: receive, send and wake-up. No allocation, lock or exception per packet.</summary>
public sealed partial class TapPort
{
    private const int MinFrame = 14;

    /// <summary>
    /// Reads up to <c>batch.Free</c> frames from queue <paramref name="queue"/>'s fd into pool buffers and appends them;
    /// stops when the fd has nothing more (EAGAIN). Each frame's vnet header becomes its <see cref="PacketBuffer.Offload"/>
    /// (<see cref="VnetHeader.TryParse"/> against the offloads this port enabled); a header asking for work the port did
    /// not enable is dropped as <see cref="DropReason.RxOffloadUnexpected"/>, one that cannot describe its frame as
    /// <see cref="DropReason.OffloadHeaderInvalid"/>. The caller owns the packets (owned buffers, nothing to complete).
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
        PortOffloads enabled = _offloads;
        int n = 0;
        int superFrames = 0;
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
            if (length < MinFrame)
            {
                p.Free();
                stats.Drops.Add(DropReason.RxRunt);
                continue;
            }
            // SAFETY: RxHeader is the queue's 12-byte header scratch that readv just filled (r >= 12 + MinFrame here).
            if (!VnetHeader.TryParse(q.RxHeader, length, enabled, out p.Offload))
            {
                p.Free();
                stats.Drops.Add(HeaderDropReason(q.RxHeader, length));
                continue;
            }
            p.TrySetLength(length);
            p.InPort = Id;
            batch.TryAdd(p);
            superFrames += p.Offload.Gso != GsoType.None ? 1 : 0;
            bytes += length;
            n++;
        }
        stats.Packets += n;
        stats.Bytes += bytes;
        if (superFrames != 0)
        {
            Volatile.Write(ref q.RxSuperFrames, q.RxSuperFrames + superFrames);
        }
        return n;
    }

    /// <inheritdoc/>
    public void CompleteReceive(int queue)
    {
    }

    /// <summary>
    /// Writes every frame of <paramref name="batch"/> to the tap behind a vnet header holding its
    /// <see cref="PacketBuffer.Offload"/> (one writev each); any queue number is mapped onto the port's queues. A frame the
    /// kernel cannot take now (EAGAIN/ENOBUFS) is dropped as <see cref="DropReason.TxQueueFull"/>; one longer than MTU
    /// plus Ethernet and VLAN headers as <see cref="DropReason.PacketTooLarge"/>, unless it is a super-frame of a kind in
    /// <see cref="TxOffloads"/> (then up to <see cref="MaxSuperFrame"/>); a super-frame of a kind the port did not
    /// accept also as <see cref="DropReason.PacketTooLarge"/> (the datapath segments those before calling here); one
    /// shorter than an Ethernet header as <see cref="DropReason.RxRunt"/> (the name a runt has everywhere); any while the
    /// interface is down as <see cref="DropReason.PortDown"/>. A pending checksum is written as it is: tun completes
    /// one on every write whatever TUNSETOFFLOAD says (that only governs what the kernel hands to the reader).
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
        PortOffloads accepted = _offloads;
        int sent = 0;
        int superFrames = 0;
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
            ref PacketOffload offload = ref p.Offload;
            bool superFrame = offload.Gso != GsoType.None;
            if (superFrame ? length > MaxSuperFrame || !AcceptsSegmentation(offload, accepted) : length > maxFrame)
            {
                stats.Drops.Add(DropReason.PacketTooLarge);
                continue;
            }
            if (length < MinFrame)
            {
                stats.Drops.Add(DropReason.RxRunt);
                continue;
            }
            // SAFETY: TxHeader is this queue's 12-byte header scratch, used only while TxLock is held.
            VnetHeader.Write(q.TxHeader, in offload);
            q.TxIov[1].Base = p.Data;
            q.TxIov[1].Length = (nuint)length;
            // SAFETY: TxIov is this queue's native scratch, used only while TxLock is held; [0] is the header just
            // written, [1] the packet's Length valid bytes, which the caller owns until FreeAll below.
            nint r = Libc.writev(fd, q.TxIov, 2);
            if (r < 0)
            {
                stats.Drops.Add(TxDropReason(stats, Libc.Errno));
                continue;
            }
            sent++;
            superFrames += superFrame ? 1 : 0;
            bytes += length;
        }
        stats.Packets += sent;
        stats.Bytes += bytes;
        if (superFrames != 0)
        {
            Volatile.Write(ref q.TxSuperFrames, q.TxSuperFrames + superFrames);
        }
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

    /// <summary>True when a port that accepted <paramref name="accepted"/> takes the super-frame <paramref name="offload"/> as it is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool AcceptsSegmentation(in PacketOffload offload, PortOffloads accepted)
    {
        PortOffloads needed = offload.Gso switch
        {
            GsoType.TcpV4 => PortOffloads.Tso4,
            GsoType.TcpV6 => PortOffloads.Tso6,
            _ => (PortOffloads)(-1),
        };
        if (offload.GsoEcn)
        {
            needed |= PortOffloads.TsoEcn;
        }
        return (needed & ~accepted) == 0;
    }

    /// <summary>
    /// Why a received vnet header was refused: <see cref="DropReason.RxOffloadUnexpected"/> when it is a valid header
    /// asking for work the port did not enable (offloads off), else <see cref="DropReason.OffloadHeaderInvalid"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static unsafe DropReason HeaderDropReason(byte* header, int frameLength)
    {
        // SAFETY: header points at a whole vnet header (the caller's contract, as for VnetHeader.TryParse).
        return VnetHeader.TryParse(header, frameLength, EnabledOffloads, out _)
            ? DropReason.RxOffloadUnexpected
            : DropReason.OffloadHeaderInvalid;
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
