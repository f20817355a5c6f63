using System.Buffers.Binary;

namespace VSwitch.TestKit.Virtio;

/// <summary>
/// One ring of the fake guest: the driver's half of a split virtqueue in guest RAM, a pool of fixed-size buffer slots
/// after it, and the kick and call eventfds. Transmit rings (odd index) carry frames to the switch; receive rings (even)
/// get buffers posted and frames read back. Slots of completed chains are reused. A packed ring (VIRTIO 1.2 §2.8) uses
/// <see cref="PackedDriver"/> instead of <see cref="Driver"/>, with the same frame-level methods. Test code; not thread-safe.
/// </summary>
public sealed unsafe class FakeFrontendRing : IDisposable
{
    private readonly FakeFrontend _frontend;
    private readonly Stack<ulong> _freeSlots = new();
    private readonly Dictionary<uint, ulong[]> _inFlight = [];

    private readonly DriverSideQueue? _split;

    internal FakeFrontendRing(FakeFrontend frontend, uint index, ushort size, int slotSize, bool packed = false)
    {
        _frontend = frontend;
        Index = index;
        SlotSize = slotSize;
        // Descriptor table, avail ring and used ring, each page aligned (VIRTIO 1.2 §2.7 sizes), plus a spare page.
        ulong ringBytes = (((ulong)size * 32) + (4 * 4096UL)) & ~4095UL;
        ulong area = frontend.AllocateArea(ringBytes + ((ulong)size * (ulong)slotSize));
        if (packed)
        {
            PackedDriver = new DriverSidePackedQueue(frontend.HostAddressOf(area), area, ringBytes, size);
        }
        else
        {
            _split = new DriverSideQueue(frontend.HostAddressOf(area), area, ringBytes, size);
        }
        QueueSize = size;
        for (int i = size - 1; i >= 0; i--)
        {
            _freeSlots.Push(area + ringBytes + ((ulong)i * (ulong)slotSize));
        }
        KickFd = NewEventFd();
        CallFd = NewEventFd();
    }

    /// <summary>The vring index (even: guest receive, odd: guest transmit).</summary>
    public uint Index { get; }

    /// <summary>Bytes per buffer slot.</summary>
    public int SlotSize { get; }

    /// <summary>The driver's half of a split queue (throws on a packed ring).</summary>
    public DriverSideQueue Driver => _split ?? throw new InvalidOperationException($"ring {Index} is packed: use PackedDriver");

    /// <summary>The driver's half of a packed queue, or null on a split ring.</summary>
    public DriverSidePackedQueue? PackedDriver { get; }

    /// <summary>True for a packed ring.</summary>
    public bool IsPacked => PackedDriver is not null;

    /// <summary>The queue size.</summary>
    public ushort QueueSize { get; }

    /// <summary>The eventfd the guest kicks (sent in SET_VRING_KICK).</summary>
    public int KickFd { get; private set; }

    /// <summary>The eventfd the back-end signals (sent in SET_VRING_CALL).</summary>
    public int CallFd { get; private set; }

    /// <summary>Front-end address of the descriptor table (packed: the descriptor ring).</summary>
    public ulong DescUserAddress => _frontend.UserAddressOf(PackedDriver?.DescRing.Value ?? Driver.DescTable.Value);

    /// <summary>Front-end address of the avail ring (packed: the driver event suppression area).</summary>
    public ulong AvailUserAddress => _frontend.UserAddressOf(PackedDriver?.DriverArea.Value ?? Driver.AvailRing.Value);

    /// <summary>Front-end address of the used ring (packed: the device event suppression area).</summary>
    public ulong UsedUserAddress => _frontend.UserAddressOf(PackedDriver?.DeviceArea.Value ?? Driver.UsedRing.Value);

    /// <summary>Free buffer slots.</summary>
    public int FreeSlots => _freeSlots.Count;

    /// <summary>Signals the kick eventfd, as a guest does after making buffers available.</summary>
    public void Kick() => Write(KickFd);

    /// <summary>True while the kick eventfd holds a kick nobody has reset (a poll that does not wait and reads nothing).</summary>
    public bool KickPending => MemfdNative.WaitReadable(KickFd, 0) != 0;

    /// <summary>Waits up to <paramref name="timeout"/> for a call and resets the eventfd; true if there was one.</summary>
    public bool WaitForCall(TimeSpan timeout)
    {
        if (MemfdNative.WaitReadable(CallFd, (int)timeout.TotalMilliseconds) == 0)
        {
            return false;
        }
        ulong value;
        return MemfdNative.read(CallFd, &value, 8) == 8;
    }

    /// <summary>
    /// Queues one frame for the switch: a virtio-net header of <paramref name="headerSize"/> zero bytes, then the frame,
    /// spread over as many slots as needed (the header alone in the first one when <paramref name="splitHeader"/>).
    /// Publishes the avail idx when <paramref name="publish"/>. Returns the head.
    /// </summary>
    public ushort Transmit(ReadOnlySpan<byte> frame, int headerSize = 12, bool splitHeader = false, bool publish = true) =>
        TransmitWithHeader(new byte[headerSize], frame, splitHeader, publish);

    /// <summary>
    /// Queues one frame behind the given virtio-net <paramref name="header"/> bytes (offload requests, hostile values),
    /// spread over as many slots as needed (the header alone in the first one when <paramref name="splitHeader"/>).
    /// Publishes the avail idx when <paramref name="publish"/>. Returns the head.
    /// </summary>
    public ushort TransmitWithHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame, bool splitHeader = false, bool publish = true)
    {
        var buffers = new List<DriverBuffer>();
        var slots = new List<ulong>();
        int headerSize = header.Length;
        if (splitHeader && headerSize > 0)
        {
            ulong slot = TakeSlot(slots);
            header.CopyTo(_frontend.GuestSpan(slot, headerSize));
            buffers.Add(DriverBuffer.Readable(slot, (uint)headerSize));
            header = default;
            headerSize = 0;
        }
        int total = headerSize + frame.Length;
        int offset = 0;
        while (offset < total || buffers.Count == 0)
        {
            ulong slot = TakeSlot(slots);
            int length = Math.Min(SlotSize, total - offset);
            Span<byte> bytes = _frontend.GuestSpan(slot, length);
            for (int i = 0; i < length; i++)
            {
                int at = offset + i;
                bytes[i] = at < headerSize ? header[at] : frame[at - headerSize];
            }
            buffers.Add(DriverBuffer.Readable(slot, (uint)length));
            offset += length;
        }
        ushort head = PackedDriver?.AddChain([.. buffers]) ?? Driver.AddChain([.. buffers]);
        _inFlight[head] = [.. slots];
        if (publish)
        {
            PublishAvail();
        }
        return head;
    }

    /// <summary>
    /// Posts <paramref name="count"/> receive chains of <paramref name="slotsPerChain"/> writable slots each, and publishes
    /// them. Returns their heads (a benchmark can offer the same chains again with <see cref="DriverSideQueue.PushAvail"/>).
    /// </summary>
    public ushort[] PostReceiveBuffers(int count, int slotsPerChain = 1)
    {
        var heads = new ushort[count];
        for (int c = 0; c < count; c++)
        {
            var slots = new List<ulong>();
            var buffers = new DriverBuffer[slotsPerChain];
            for (int i = 0; i < slotsPerChain; i++)
            {
                buffers[i] = DriverBuffer.Writable(TakeSlot(slots), (uint)SlotSize);
            }
            ushort head = PackedDriver?.AddChain(buffers) ?? Driver.AddChain(buffers);
            _inFlight[head] = [.. slots];
            heads[c] = head;
        }
        PublishAvail();
        return heads;
    }

    /// <summary>Used elements published since the last call; their slots go back to the free pool.</summary>
    public List<(uint Id, uint Length)> ReadUsed()
    {
        List<(uint Id, uint Length)> used = DriverReadUsed();
        foreach ((uint id, _) in used)
        {
            Release(id);
        }
        return used;
    }

    /// <summary>
    /// Frames the switch wrote into posted receive buffers since the last call, without their virtio-net header. With
    /// <paramref name="mergeable"/>, a frame spans num_buffers used elements (VIRTIO 1.2 §5.1.6.3.1). Each frame's
    /// header is added to <paramref name="headers"/> when given.
    /// </summary>
    public List<byte[]> ReceiveFrames(int headerSize = 12, bool mergeable = false, List<byte[]>? headers = null)
    {
        List<(uint Id, uint Length)> used = DriverReadUsed();
        var frames = new List<byte[]>();
        for (int i = 0; i < used.Count; i++)
        {
            byte[] first = Gather(used[i].Id, used[i].Length);
            headers?.Add(first.AsSpan(0, Math.Min(headerSize, first.Length)).ToArray());
            int buffers = mergeable ? BinaryPrimitives.ReadUInt16LittleEndian(first.AsSpan(10)) : 1;
            var frame = new List<byte>(first.AsSpan(headerSize).ToArray());
            for (int b = 1; b < buffers && i + 1 < used.Count; b++)
            {
                i++;
                frame.AddRange(Gather(used[i].Id, used[i].Length));
            }
            frames.Add([.. frame]);
        }
        return frames;
    }

    /// <summary>The first <paramref name="length"/> bytes written into chain <paramref name="head"/>; its slots go back to the pool.</summary>
    public byte[] Gather(uint head, uint length)
    {
        ulong[] slots = _inFlight.TryGetValue(head, out ulong[]? s) ? s : throw new InvalidOperationException($"unknown head {head}");
        byte[] bytes = new byte[length];
        int done = 0;
        foreach (ulong slot in slots)
        {
            int n = Math.Min(SlotSize, (int)length - done);
            if (n <= 0)
            {
                break;
            }
            _frontend.GuestSpan(slot, n).CopyTo(bytes.AsSpan(done));
            done += n;
        }
        Release(head);
        return bytes;
    }

    /// <summary>Replaces the eventfds with new ones (a front-end restarting its device); the old ones are closed.</summary>
    public void RenewEventFds()
    {
        _ = MemfdNative.close(KickFd);
        _ = MemfdNative.close(CallFd);
        KickFd = NewEventFd();
        CallFd = NewEventFd();
    }

    /// <summary>Closes the eventfds.</summary>
    public void Dispose()
    {
        if (KickFd >= 0)
        {
            _ = MemfdNative.close(KickFd);
            _ = MemfdNative.close(CallFd);
            KickFd = CallFd = -1;
        }
    }

    /// <summary>Publishes what was added (split: the avail idx; packed: the heads' flags).</summary>
    public void PublishAvail()
    {
        if (PackedDriver is not null)
        {
            PackedDriver.PublishAvail();
        }
        else
        {
            Driver.PublishAvail();
        }
    }

    private List<(uint Id, uint Length)> DriverReadUsed() =>
        PackedDriver is null ? Driver.ReadUsed() : PackedDriver.ReadUsed().Select(u => ((uint)u.Id, u.Length)).ToList();

    private ulong TakeSlot(List<ulong> taken)
    {
        if (!_freeSlots.TryPop(out ulong slot))
        {
            throw new InvalidOperationException($"ring {Index}: no free buffer slot");
        }
        taken.Add(slot);
        return slot;
    }

    private void Release(uint head)
    {
        if (_inFlight.Remove(head, out ulong[]? slots))
        {
            foreach (ulong slot in slots)
            {
                _freeSlots.Push(slot);
            }
        }
    }

    private static int NewEventFd()
    {
        int fd = MemfdNative.eventfd(0, MemfdNative.EFD_CLOEXEC | MemfdNative.EFD_NONBLOCK);
        return fd >= 0 ? fd : throw new IOException($"eventfd failed: errno {MemfdNative.Errno}");
    }

    private static void Write(int fd)
    {
        ulong one = 1;
        _ = MemfdNative.write(fd, &one, 8);
    }
}
