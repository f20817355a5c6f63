using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The send loop of <see cref="VxlanTxQueue"/>. A batch is checked packet by packet (runts, frames beyond the overlay
/// MTU), grouped by socket with a stable counting sort (a flow's packets keep their order), and each socket's group
/// goes out in one sendmmsg whose messages are runs of equal-size frames: a run of two or more is one
/// <c>UDP_SEGMENT</c> message the kernel cuts into datagrams, a lone frame one plain datagram. A segmented message the
/// route refuses is sent again frame by frame. Caller holds <see cref="VxlanTxQueue.Lock"/>; no allocation, lock or
/// exception. The sockets are the port's, shared with the other queues: see <see cref="VxlanSender"/> for why that is safe.
/// </summary>
internal sealed unsafe partial class VxlanTxQueue
{
    /// <summary>
    /// Encapsulates and sends every packet of <paramref name="batch"/> that is at least an Ethernet header long and at
    /// most <paramref name="maxFrame"/> bytes (plus 4 per VLAN tag, up to two). Counts sent packets, inner frame bytes
    /// and drops on <paramref name="stats"/>. Does not free the packets (the caller does, after this returns).
    /// </summary>
    public void Send(PacketBatch batch, int maxFrame, QueueStats stats)
    {
        int n = batch.Count;
        int sockets = _fds.Length;
        Array.Clear(_groupEnd);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<byte> frame = batch[i].Span;
            if (frame.Length < 14)
            {
                _socketOf[i] = -1;
                stats.Drops.Add(DropReason.RxRunt);
            }
            else if (_flowRemote && batch[i].Tunnel.Destination == 0)
            {
                _socketOf[i] = -1;
                stats.Drops.Add(DropReason.TunnelNoRemote);
            }
            else if (frame.Length > maxFrame + TagAllowance(frame))
            {
                _socketOf[i] = -1;
                stats.Drops.Add(DropReason.TunnelTooBig);
            }
            else
            {
                int s = (int)(((ulong)InnerFlowHash.Compute(frame) * (uint)sockets) >> 32);
                _socketOf[i] = s;
                _groupEnd[s]++;
            }
        }
        // Counting sort by socket: _groupEnd[s] becomes the end of socket s's packets in _order.
        int start = 0;
        for (int s = 0; s < sockets; s++)
        {
            int count = _groupEnd[s];
            _groupEnd[s] = start;
            start += count;
        }
        for (int i = 0; i < n; i++)
        {
            int s = _socketOf[i];
            if (s >= 0)
            {
                _order[_groupEnd[s]++] = i;
            }
        }
        start = 0;
        for (int s = 0; s < sockets; s++)
        {
            int end = _groupEnd[s];
            if (end > start)
            {
                SendGroup(_fds[s], batch, start, end, stats);
            }
            start = end;
        }
    }

    /// <summary>Bytes a frame may exceed the overlay MTU's frame by: 4 per 802.1Q/802.1ad tag, at most two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TagAllowance(ReadOnlySpan<byte> frame)
    {
        if (!IsTag(BinaryPrimitives.ReadUInt16BigEndian(frame[12..])))
        {
            return 0;
        }
        return frame.Length >= 18 && IsTag(BinaryPrimitives.ReadUInt16BigEndian(frame[16..])) ? 8 : 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsTag(ushort type) => type is 0x8100 or 0x88a8;

    private void SendGroup(int fd, PacketBatch batch, int start, int end, QueueStats stats)
    {
        for (int k = start; k < end; k++)
        {
            PacketBuffer p = batch[_order[k]];
            _iovs[(2 * k) + 1].Base = p.Data;
            _iovs[(2 * k) + 1].Length = (nuint)p.Length;
            if (_flowKey | _flowRemote)
            {
                FlowBased(k, p);
            }
        }
        int messages = 0;
        int k2 = start;
        while (k2 < end)
        {
            int length = (int)_iovs[(2 * k2) + 1].Length;
            int run = 1;
            if (_sender.Gso)
            {
                int segment = length + VxlanHeader.Size;
                while (k2 + run < end && run < VxlanSender.MaxGsoSegments && (int)_iovs[(2 * (k2 + run)) + 1].Length == length
                    && (run + 1) * segment <= VxlanSender.MaxGsoBytes && SameRemote(k2, k2 + run))
                {
                    run++;
                }
            }
            BuildMessage(ref _msgs[messages], k2, run, messages, length);
            _msgFirst[messages] = k2;
            _msgCount[messages] = run;
            messages++;
            k2 += run;
        }
        Submit(fd, messages, stats);
    }

    /// <summary>
    /// A flow-based port: the packet at sorted position <paramref name="k"/> gets its VNI (the low 24 bits of tun_id) in
    /// its header and its remote (tun_dst) as its message's destination.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FlowBased(int k, PacketBuffer p)
    {
        ref PacketTunnel tunnel = ref p.Tunnel;
        if (_flowKey)
        {
            VxlanHeader.Write(new Span<byte>(_headers + (k * VxlanHeader.Size), VxlanHeader.Size), (uint)tunnel.Id);
        }
        if (_flowRemote)
        {
            _flowRemotes[k] = Sockets.Address(tunnel.Destination, _dstPort);
        }
    }

    /// <summary>True when the packets at sorted positions <paramref name="a"/> and <paramref name="b"/> go to the same remote (always, for a fixed remote).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SameRemote(int a, int b) => !_flowRemote || _flowRemotes[a].AddrBe == _flowRemotes[b].AddrBe;

    /// <summary>Where the message starting at sorted position <paramref name="first"/> goes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Libc.SockaddrIn* RemoteOf(int first) => _flowRemote ? _flowRemotes + first : _remote;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BuildMessage(ref Libc.MMsgHdr msg, int first, int run, int index, int length)
    {
        msg.Hdr.Name = RemoteOf(first);
        msg.Hdr.NameLength = (uint)sizeof(Libc.SockaddrIn);
        msg.Hdr.Iov = _iovs + (2 * first);
        msg.Hdr.IovLength = (nuint)(2 * run);
        msg.Hdr.Flags = 0;
        if (run > 1)
        {
            byte* control = _controls + (index * ControlSpace);
            // SAFETY: each message's control buffer is ControlSpace (24) bytes: a 16-byte header (filled at setup) and the
            // u16 segment size after it; CMSG_SPACE(2) is 24.
            *(ushort*)(control + Libc.CmsgHeaderSize) = (ushort)(length + VxlanHeader.Size);
            msg.Hdr.Control = control;
            msg.Hdr.ControlLength = (nuint)Libc.CmsgSpace(sizeof(ushort));
        }
        else
        {
            msg.Hdr.Control = null;
            msg.Hdr.ControlLength = 0;
        }
    }

    private void Submit(int fd, int messages, QueueStats stats)
    {
        int done = 0;
        while (done < messages)
        {
            // SAFETY: _msgs[done..messages) were built above over this queue's native iovecs, headers and control
            // buffers and the batch's packet data, all valid until the caller frees the batch after Send returns.
            int r = Libc.sendmmsg(fd, _msgs + done, (uint)(messages - done), Libc.MSG_DONTWAIT);
            if (r > 0)
            {
                for (int j = done; j < done + r; j++)
                {
                    Sent(stats, _msgFirst[j], _msgCount[j]);
                }
                done += r;
                continue;
            }
            int errno = Libc.Errno;
            if (errno != Libc.EINTR)
            {
                Failed(fd, done, errno, stats);
                done++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Sent(QueueStats stats, int first, int count)
    {
        stats.Packets += count;
        stats.Bytes += (long)_iovs[(2 * first) + 1].Length * count;
    }

    /// <summary>A message failed: a segmented one is sent again frame by frame when the route refused segmentation; otherwise its frames are dropped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Failed(int fd, int message, int errno, QueueStats stats)
    {
        int first = _msgFirst[message];
        int count = _msgCount[message];
        if (count > 1 && errno is Libc.EINVAL or Libc.EMSGSIZE or Libc.EIO)
        {
            if (errno == Libc.EIO)
            {
                // The route cannot segment (no checksum offload, or IPsec): the kernel says EIO; stop asking (every queue).
                _sender.RefuseGso();
            }
            SendSingles(fd, first, count, stats);
            return;
        }
        stats.Drops.Add(DropReasonOf(errno, stats), count);
    }

    private void SendSingles(int fd, int first, int count, QueueStats stats)
    {
        for (int j = 0; j < count; j++)
        {
            ref Libc.MMsgHdr m = ref _singles[j];
            m.Hdr.Name = RemoteOf(first + j);
            m.Hdr.NameLength = (uint)sizeof(Libc.SockaddrIn);
            m.Hdr.Iov = _iovs + (2 * (first + j));
            m.Hdr.IovLength = 2;
            m.Hdr.Control = null;
            m.Hdr.ControlLength = 0;
            m.Hdr.Flags = 0;
        }
        int done = 0;
        while (done < count)
        {
            // SAFETY: as in Submit; _singles has room for a whole batch.
            int r = Libc.sendmmsg(fd, _singles + done, (uint)(count - done), Libc.MSG_DONTWAIT);
            if (r > 0)
            {
                Sent(stats, first + done, r);
                done += r;
                continue;
            }
            int errno = Libc.Errno;
            if (errno != Libc.EINTR)
            {
                stats.Drops.Add(DropReasonOf(errno, stats));
                done++;
            }
        }
    }

    private DropReason DropReasonOf(int errno, QueueStats stats)
    {
        switch (errno)
        {
            case Libc.EMSGSIZE:
                return DropReason.TunnelTooBig;
            case Libc.EAGAIN or Libc.ENOBUFS:
                return DropReason.TxQueueFull;
            case Libc.ENETUNREACH or Libc.EHOSTUNREACH or Libc.ECONNREFUSED:
                _sender.Report("no route to the remote", 0);
                return DropReason.PortDown;
            default:
                Interlocked.Increment(ref stats.Errors);
                _sender.Report("sending to the remote failed (see the errno)", errno);
                return DropReason.TxDeviceError;
        }
    }
}
