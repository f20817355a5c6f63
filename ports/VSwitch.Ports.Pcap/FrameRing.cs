namespace VSwitch.Ports.Pcap;

/// <summary>
/// A bounded single-producer single-consumer ring of frame copies: fixed slots of <see cref="SlotSize"/> bytes in one
/// array, each with its length and a timestamp (<see cref="System.Diagnostics.Stopwatch"/> ticks). Design note: it
/// carries frames between a datapath thread and a port's own I/O thread (file replay or recording), so that file I/O
/// and pacing never block a datapath thread. Exactly one thread produces and one consumes at a time (a port serialises
/// several senders itself); positions are published with <see cref="Volatile"/>. Nothing is allocated after
/// construction; a full ring refuses the frame and the caller counts the drop.
/// </summary>
internal sealed class FrameRing
{
    private readonly byte[] _data;
    private readonly int[] _lengths;
    private readonly long[] _stamps;
    private readonly int _mask;
    private long _head;
    private long _tail;

    /// <summary>A ring of <paramref name="slots"/> (a power of two) frames of up to <paramref name="slotSize"/> bytes.</summary>
    public FrameRing(int slots, int slotSize)
    {
        if (slots <= 0 || (slots & (slots - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), "must be a power of two");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotSize);
        _data = new byte[checked(slots * slotSize)];
        _lengths = new int[slots];
        _stamps = new long[slots];
        _mask = slots - 1;
        SlotSize = slotSize;
    }

    /// <summary>Largest frame a slot holds.</summary>
    public int SlotSize { get; }

    /// <summary>Frames waiting (a snapshot; exact only on the consumer's thread).</summary>
    public int Count => (int)(Volatile.Read(ref _tail) - Volatile.Read(ref _head));

    /// <summary>True when nothing waits (a snapshot).</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>True when a frame would be refused (a snapshot; exact only on the producer's thread).</summary>
    public bool IsFull => Count > _mask;

    /// <summary>Producer: copies <paramref name="frame"/> in. False when the ring is full or the frame exceeds a slot.</summary>
    public bool TryWrite(ReadOnlySpan<byte> frame, long stamp)
    {
        long tail = _tail;
        if (tail - Volatile.Read(ref _head) > _mask || frame.Length > SlotSize)
        {
            return false;
        }
        int slot = (int)(tail & _mask);
        frame.CopyTo(_data.AsSpan(slot * SlotSize, SlotSize));
        _lengths[slot] = frame.Length;
        _stamps[slot] = stamp;
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }

    /// <summary>Consumer: the oldest frame without removing it; false when empty. Valid until <see cref="Advance"/>.</summary>
    public bool TryPeek(out ReadOnlySpan<byte> frame, out long stamp)
    {
        long head = _head;
        if (Volatile.Read(ref _tail) == head)
        {
            frame = default;
            stamp = 0;
            return false;
        }
        int slot = (int)(head & _mask);
        frame = _data.AsSpan(slot * SlotSize, _lengths[slot]);
        stamp = _stamps[slot];
        return true;
    }

    /// <summary>Consumer: removes the frame <see cref="TryPeek"/> returned.</summary>
    public void Advance() => Volatile.Write(ref _head, _head + 1);
}
