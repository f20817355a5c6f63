using System.Runtime.InteropServices;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Ports.Tap;

/// <summary>
/// One queue of a tap port: its /dev/net/tun fd, an epoll fd that is readable while the queue fd is (the wake-up fd
/// handed to the datapath; see <see cref="TapPort.TryGetRxWakeFd"/>), the receive pool, and native scratch for
/// the iovecs and vnet headers so that readv/writev allocate nothing. Receive state belongs to the one thread
/// that polls the queue; transmit state is guarded by <see cref="TxLock"/>, taken once per batch.
/// </summary>
internal sealed unsafe class TapQueue : IDisposable
{
    private int _fd;

    public TapQueue(int fd, PacketPool pool)
    {
        _fd = fd;
        Pool = pool;
        // Two iovecs and a header each way: [rx iov0, rx iov1, tx iov0, tx iov1], then the rx and tx headers.
        _native = (byte*)NativeMemory.AllocZeroed((nuint)(4 * sizeof(Libc.IoVec) + 2 * TapLink.VnetHeaderSize));
        RxIov = (Libc.IoVec*)_native;
        TxIov = RxIov + 2;
        RxHeader = _native + (4 * sizeof(Libc.IoVec));
        TxHeader = RxHeader + TapLink.VnetHeaderSize;
        RxIov[0].Base = RxHeader;
        RxIov[0].Length = TapLink.VnetHeaderSize;
        TxIov[0].Base = TxHeader;
        TxIov[0].Length = TapLink.VnetHeaderSize;
        EpollFd = Epoll.WatchReadable(fd);
    }

    private readonly byte* _native;

    /// <summary>The queue fd, or -1 once disposed.</summary>
    public int Fd => Volatile.Read(ref _fd);

    /// <summary>Readable while the queue fd has a frame; -1 if epoll was unavailable.</summary>
    public int EpollFd { get; private set; }

    /// <summary>Buffers for received frames; used only by the polling thread.</summary>
    public PacketPool Pool { get; }

    /// <summary>iovec pair for readv: [0] = <see cref="RxHeader"/>, [1] = the packet buffer.</summary>
    public Libc.IoVec* RxIov { get; }

    /// <summary>iovec pair for writev: [0] = <see cref="TxHeader"/>, [1] = the packet.</summary>
    public Libc.IoVec* TxIov { get; }

    /// <summary>Where readv puts the vnet header of a received frame.</summary>
    public byte* RxHeader { get; }

    /// <summary>
    /// The vnet header written before every sent frame: the packet's offload metadata, rewritten per frame under
    /// <see cref="TxLock"/> (bytes 10 and 11, num_buffers, stay zero: tun ignores them on write).
    /// </summary>
    public byte* TxHeader { get; }

    /// <summary>Serialises senders on this queue, once per batch.</summary>
    public TxSpinLock TxLock;

    /// <summary>Super-frames received on this queue; written by the polling thread once per batch, read by anyone.</summary>
    public long RxSuperFrames;

    /// <summary>Super-frames written on this queue; written under <see cref="TxLock"/>, read by anyone.</summary>
    public long TxSuperFrames;

    /// <summary>
    /// Closes the fds (a tap the port created disappears when its last queue fd closes), frees the scratch and releases
    /// the receive pool's slab.
    /// Only after the datapath stopped using the queue (the port is removed and the threads quiesced).
    /// </summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0)
        {
            return;
        }
        FileDescriptor.CloseIfValid(EpollFd);
        EpollFd = -1;
        _ = Libc.close(fd);
        NativeMemory.Free(_native);
        Pool.Dispose();
    }
}
