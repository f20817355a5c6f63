using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The receive loop of <see cref="VxlanEndpoint"/>: one recvmmsg fills up to one slot per free place in the batch; each
/// slot is cut into VXLAN packets (a coalesced slot every <c>UDP_GRO</c> segment size); each packet is checked, looked up
/// and handed out as a pool buffer that lends its inner frame from the slot. What does not fit the batch stays pending
/// for the next call, and the socket is read again only once nothing is pending, so a slot is never overwritten while
/// a packet lent from it may still be in use. Only the thread polling the poller's queue; no allocation, lock or
/// exception.
/// </summary>
internal sealed unsafe partial class VxlanEndpoint
{
    /// <summary>The largest inner frame handed to the datapath: the switch's buffer size (a 9,000-byte MTU frame and tags).</summary>
    public const int MaxInnerFrame = PacketPool.DefaultDataRoom;

    private const int MinInnerFrame = 14;

    // Pending state: slots filled by the last recvmmsg, the slot being cut and the offset of its next packet.
    private int _received;
    private int _slot;
    private int _offset;
    private int _slotLength;
    private int _segmentSize;
    private uint _source;
    private uint _destination;
    private bool _slotDropped;

    /// <summary>True while packets of the last read are still waiting to be handed out.</summary>
    public bool HasPending => _slot < _received;

    /// <summary>True when packets are pending or the socket has a datagram (the poller's thread must not sleep).</summary>
    public bool HasWork => HasPending || FileDescriptor.IsReadable(Volatile.Read(ref _fd));

    /// <summary>
    /// Appends up to <c>batch.Free</c> packets, each with its in-port set to the port it belongs to, and returns how
    /// many. Drops are counted on that port's receive counters, or on <paramref name="poller"/>'s when no port is
    /// known. The caller owns the packets; their frames stay valid until the next call (the datapath completes the
    /// batch first).
    /// </summary>
    public int Receive(VxlanPort poller, PacketBatch batch)
    {
        if (!HasPending && !Read(batch.Free))
        {
            return 0;
        }
        VxlanDemux demux = Volatile.Read(ref _demux);
        int added = 0;
        while (_slot < _received && !batch.IsFull)
        {
            int remaining = _slotLength - _offset;
            if (remaining <= 0 || _slotDropped)
            {
                NextSlot();
                continue;
            }
            int length = _segmentSize > 0 && _segmentSize < remaining ? _segmentSize : remaining;
            byte* packet = _slots + ((nint)_slot * SlotSize) + _offset;
            if (length < remaining)
            {
                int used = TryCoalesce(packet, remaining, demux, batch);
                if (used > 0)
                {
                    _offset += used;
                    added++;
                    continue;
                }
            }
            if (!TryHandOut(packet, length, demux, poller, batch, ref added))
            {
                break;
            }
            _offset += length;
        }
        return added;
    }

    /// <summary>One recvmmsg into as many slots as the batch has room for; false when nothing came.</summary>
    private bool Read(int room)
    {
        int fd = Volatile.Read(ref _fd);
        uint want = (uint)Math.Min(room, _slotCount);
        if (fd < 0 || want == 0)
        {
            return false;
        }
        for (int i = 0; i < want; i++)
        {
            ref Libc.MsgHdr h = ref _msgs[i].Hdr;
            h.NameLength = (uint)sizeof(Libc.SockaddrIn);
            h.ControlLength = ControlSize;
            h.Flags = 0;
        }
        // SAFETY: _msgs[0..want) point at this endpoint's native slots, names and control buffers, allocated for
        // _slotCount ≥ want entries and freed only in Dispose, after the datapath stopped polling.
        int n = Libc.recvmmsg(fd, _msgs, want, Libc.MSG_DONTWAIT, null);
        if (n <= 0)
        {
            if (n < 0 && Libc.Errno is not (Libc.EAGAIN or Libc.EINTR))
            {
                ReceiveErrors++;
            }
            return false;
        }
        Datagrams += n;
        _received = n;
        _slot = -1;
        NextSlot();
        return true;
    }

    /// <summary>Moves to the next slot and reads its length, source, destination, segment size and whether it is droppable whole.</summary>
    private void NextSlot()
    {
        _slot++;
        _offset = 0;
        if (_slot >= _received)
        {
            return;
        }
        ref Libc.MMsgHdr m = ref _msgs[_slot];
        _slotLength = (int)m.Len;
        _source = BinaryPrimitives.ReverseEndianness(_names[_slot].AddrBe);
        _destination = LocalIp;
        _segmentSize = 0;
        bool fragment = false;
        byte* control = (byte*)m.Hdr.Control;
        byte* end = control + (int)m.Hdr.ControlLength;
        byte* c = control;
        // SAFETY: the kernel wrote ControlLength bytes of control messages into this slot's ControlSize-byte buffer; each
        // header is read only when it lies wholly before end, each payload only when its length says it is there.
        while (c + Libc.CmsgHeaderSize <= end)
        {
            var h = (Libc.CmsgHdr*)c;
            int len = (int)h->Length;
            if (len < Libc.CmsgHeaderSize || c + len > end)
            {
                break;
            }
            int data = len - Libc.CmsgHeaderSize;
            if (h->Level == Libc.SOL_UDP && h->Type == Libc.UDP_GRO && data >= sizeof(int))
            {
                _segmentSize = *(int*)(c + Libc.CmsgHeaderSize);
            }
            else if (h->Level == Libc.SOL_IP && h->Type == Libc.IP_PKTINFO && data >= sizeof(Libc.InPktInfo))
            {
                _destination = BinaryPrimitives.ReverseEndianness(((Libc.InPktInfo*)(c + Libc.CmsgHeaderSize))->AddrBe);
            }
            else if (h->Level == Libc.SOL_IP && h->Type == Libc.IP_RECVFRAGSIZE)
            {
                fragment = true;
            }
            c += (len + 7) & ~7;
        }
        _slotDropped = false;
        if (fragment || (m.Hdr.Flags & Libc.MSG_TRUNC) != 0)
        {
            DropSlot(fragment ? DropReason.TunnelFragment : DropReason.TunnelTooBig);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DropSlot(DropReason reason)
    {
        VxlanDemux demux = Volatile.Read(ref _demux);
        VxlanPort? owner = demux.MissOwner(_source) ?? (demux.Members.Count > 0 ? demux.Members[0] : null);
        owner?.Stats.Rx[0].Drops.Add(reason);
        _slotDropped = true;
    }

    /// <summary>
    /// Checks one VXLAN packet and appends it to the batch as a lent frame, or counts it as dropped. Returns false only
    /// when the pool is empty (the packet then stays pending).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryHandOut(byte* packet, int length, VxlanDemux demux, VxlanPort poller, PacketBatch batch, ref int added)
    {
        // SAFETY: packet..+length lies inside the current slot: the offset and length never pass the slot's received length.
        var datagram = new ReadOnlySpan<byte>(packet, length);
        VxlanHeaderStatus status = VxlanHeader.Read(datagram, out uint vni);
        if (status != VxlanHeaderStatus.Ok)
        {
            Count(demux.MissOwner(_source) ?? poller,
                status == VxlanHeaderStatus.Short ? DropReason.TunnelTruncated : DropReason.TunnelBadHeader);
            return true;
        }
        VxlanPort? port = demux.Find(_source, vni, out DropReason reason);
        if (port is null)
        {
            Count(demux.MissOwner(_source) ?? poller, reason);
            return true;
        }
        int frame = length - VxlanHeader.Size;
        if (frame < MinInnerFrame || frame > MaxInnerFrame)
        {
            Count(port, frame < MinInnerFrame ? DropReason.TunnelTruncated : DropReason.TunnelTooBig);
            return true;
        }
        if (!Pool.TryRent(out PacketBuffer? p))
        {
            return false;
        }
        p.AttachExternal(packet + VxlanHeader.Size, frame);
        HandOver(port, p, vni, frame, batch);
        added++;
        return true;
    }

    /// <summary>
    /// Tries to put the run of inner TCP segments that starts at <paramref name="packet"/> (the rest of a <c>UDP_GRO</c>
    /// slot, <paramref name="remaining"/> bytes, one datagram every segment size) back together into one super-frame
    /// (the rules are <see cref="InnerTcpSegment"/>'s) in a buffer of the super-frame pool, and appends it to the batch.
    /// Returns the bytes of the slot it consumed, or 0 when fewer than two segments would join (nothing changed; the
    /// caller hands the packet out alone). Only for a port that coalesces; the datagrams share the slot's source, and
    /// join only with the first's VXLAN header byte for byte. Copies each payload once and reads it once to verify its
    /// checksum.
    /// </summary>
    private int TryCoalesce(byte* packet, int remaining, VxlanDemux demux, PacketBatch batch)
    {
        PacketPool? pool = SuperFramePool;
        int segment = _segmentSize;
        // SAFETY: packet..+remaining lies inside the current slot (the caller's offset and the slot's received length);
        // every datagram read below lies inside it, at most segment bytes each.
        if (pool is null || VxlanHeader.Read(new ReadOnlySpan<byte>(packet, segment), out uint vni) != VxlanHeaderStatus.Ok)
        {
            return 0;
        }
        VxlanPort? port = demux.Find(_source, vni, out _);
        byte* first = packet + VxlanHeader.Size;
        int firstLength = segment - VxlanHeader.Size;
        if (port is null || !port.Coalesce || firstLength > MaxInnerFrame)
        {
            return 0;
        }
        int payload = InnerTcpSegment.Candidate(first, firstLength, out int l3, out int l4, out int headerBytes, out byte flags);
        if (payload < 0 || InnerTcpSegment.HasPush(flags))
        {
            return 0;
        }
        // Is the second datagram a follower? Checked before any checksum is paid for. A follower with the first's
        // header length and the same headers up to it has the same tag and IP version, so the same l3 and l4.
        uint seq = InnerTcpSegment.Sequence(first, l4) + (uint)payload;
        byte* next = packet + segment;
        int nextLength = Math.Min(segment, remaining - segment) - VxlanHeader.Size;
        // (A candidate's length check comes first, so the VXLAN header compared is inside the datagram.)
        if (InnerTcpSegment.Candidate(next + VxlanHeader.Size, nextLength, out int nextL3, out int nextL4, out int nextHeaders, out _) < 0
            || *(ulong*)next != *(ulong*)packet || nextL3 != l3 || nextL4 != l4 || nextHeaders != headerBytes
            || !InnerTcpSegment.Follows(first, next + VxlanHeader.Size, l3, l4, headerBytes, seq, 1)
            || !InnerTcpSegment.ChecksumsValid(first, firstLength, l3, l4) || !pool.TryRent(out PacketBuffer? p))
        {
            return 0;
        }
        // SAFETY: a fresh buffer of the super-frame pool owns MaxSuperFrame bytes at Data; the run below stays inside
        // lengthBase + 65,535 bytes, at most 18 + 40 + 65,535 (its IP length field is checked before each payload is
        // copied), and the length is set at the end.
        int lengthBase = InnerTcpSegment.LengthBase(l3, l4);
        byte* data = p.Data;
        Buffer.MemoryCopy(first, data, firstLength, firstLength);
        int length = firstLength;
        int used = segment;
        int count = 1;
        bool push = false;
        while (used < remaining)
        {
            next = packet + used;
            int datagram = Math.Min(segment, remaining - used);
            byte* frame = next + VxlanHeader.Size;
            int frameLength = datagram - VxlanHeader.Size;
            int more = InnerTcpSegment.Candidate(frame, frameLength, out nextL3, out nextL4, out nextHeaders, out byte nextFlags);
            // The IP length field (IPv4 total length, IPv6 payload length) bounds the super-frame (64 KiB and the
            // headers before it, below the buffer's MaxSuperFrame). The candidate check comes first, so the VXLAN header
            // compared lies inside the datagram.
            if (more < 0 || more > payload || nextL3 != l3 || nextL4 != l4 || nextHeaders != headerBytes
                || length - lengthBase + more > ushort.MaxValue || *(ulong*)next != *(ulong*)packet
                || !InnerTcpSegment.Follows(first, frame, l3, l4, headerBytes, seq, count)
                || !InnerTcpSegment.ChecksumsValid(frame, frameLength, l3, l4))
            {
                break;
            }
            Buffer.MemoryCopy(frame + headerBytes, data + length, more, more);
            length += more;
            seq += (uint)more;
            used += datagram;
            count++;
            push = InnerTcpSegment.HasPush(nextFlags);
            if (push || more < payload)
            {
                break;
            }
        }
        if (count < 2)
        {
            p.Free();
            return 0;
        }
        _ = p.TrySetLength(length);
        InnerTcpSegment.FinishSuperFrame(data, length, l3, l4, push);
        bool ipv6 = InnerTcpSegment.IsIpv6(l3, l4);
        ref PacketOffload offload = ref p.Offload;
        offload.Flags = OffloadFlags.NeedsCsum;
        offload.Gso = ipv6 ? GsoType.TcpV6 : GsoType.TcpV4;
        offload.GsoSize = (ushort)payload;
        offload.HdrLen = (ushort)headerBytes;
        offload.CsumStart = (ushort)l4;
        offload.CsumOffset = InnerTcpSegment.TcpChecksumOffset;
        HandOver(port, p, vni, length, batch);
        port.CountCoalesced(count, ipv6);
        return used;
    }

    /// <summary>
    /// Hands a received inner frame of <paramref name="bytes"/> bytes to <paramref name="port"/>'s batch with its tunnel
    /// metadata for flows (tun_id, tun_src, tun_dst; on every vxlan port as in OVS, fixed or flow-based) and counts it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void HandOver(VxlanPort port, PacketBuffer p, uint vni, int bytes, PacketBatch batch)
    {
        p.InPort = port.Id;
        ref PacketTunnel tunnel = ref p.Tunnel;
        tunnel.Id = vni;
        tunnel.Source = _source;
        tunnel.Destination = _destination;
        batch.TryAdd(p);
        QueueStats stats = port.Stats.Rx[0];
        stats.Packets++;
        stats.Bytes += bytes;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Count(VxlanPort port, DropReason reason) => port.Stats.Rx[0].Drops.Add(reason);
}
