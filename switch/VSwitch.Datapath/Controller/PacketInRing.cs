using System.Numerics;

namespace VSwitch.Datapath.Controller;

/// <summary>
/// The bounded queue of one datapath thread's packets for the controllers (PACKET_IN): a single-producer,
/// single-consumer ring of preallocated slots. The datapath thread copies a frame (cut to the flow's max_len and to
/// <see cref="SlotSize"/>) into the next free slot and never waits: when the ring is full the copy is not made,
/// <see cref="Lost"/> counts it and the caller counts a <see cref="Core.Diagnostics.DropReason.PacketInQueueFull"/>.
/// A control thread drains it and hands each frame to the OpenFlow connections.
/// Thread rules: <see cref="TryWrite"/> from the owning datapath thread only; <see cref="TryPeek"/>/<see cref="Release"/>
/// from one consumer thread. Cost: no allocation after construction; a write is one copy and one release store.
/// Memory: capacity × slot size bytes.
/// </summary>
public sealed class PacketInRing
{
    /// <summary>Default slots per datapath thread.</summary>
    public const int DefaultCapacity = 256;

    /// <summary>Default bytes kept of a frame: a full 1500-byte-MTU frame with two VLAN tags.</summary>
    public const int DefaultSlotSize = 1536;

    private readonly byte[] _data;
    private readonly PacketInRecord[] _records;
    private readonly int[] _lengths;
    private readonly int _mask;
    private long _head;
    private long _tail;
    private readonly PacketInSignal? _signal;
    private long _lost;

    /// <summary>
    /// Creates a ring of <paramref name="capacity"/> slots (rounded up to a power of two) of <paramref name="slotSize"/> bytes;
    /// every frame written is announced to <paramref name="signal"/> when given.
    /// </summary>
    public PacketInRing(int capacity = DefaultCapacity, int slotSize = DefaultSlotSize, PacketInSignal? signal = null)
    {
        _signal = signal;
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 64);
        capacity = (int)BitOperations.RoundUpToPowerOf2((uint)capacity);
        Capacity = capacity;
        SlotSize = slotSize;
        _mask = capacity - 1;
        _data = new byte[(long)capacity * slotSize];
        _records = new PacketInRecord[capacity];
        _lengths = new int[capacity];
    }

    /// <summary>Number of slots.</summary>
    public int Capacity { get; }

    /// <summary>Bytes kept of each frame at most.</summary>
    public int SlotSize { get; }

    /// <summary>Copies refused because the ring was full.</summary>
    public long Lost => Volatile.Read(ref _lost);

    /// <summary>Frames waiting for the consumer (approximate from other threads).</summary>
    public int Count => (int)(Volatile.Read(ref _head) - Volatile.Read(ref _tail));

    /// <summary>
    /// Copies up to <paramref name="maxLength"/> bytes of <paramref name="frame"/> (and at most <see cref="SlotSize"/>)
    /// with <paramref name="record"/>. False, copying nothing, when the ring is full. The producer thread only.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> frame, int maxLength, in PacketInRecord record)
    {
        long head = _head;
        // Acquire: the consumer's release of the slot happens before we reuse it.
        if (head - Volatile.Read(ref _tail) >= Capacity)
        {
            Volatile.Write(ref _lost, _lost + 1);
            return false;
        }
        int slot = (int)head & _mask;
        int length = Math.Min(Math.Min(frame.Length, maxLength), SlotSize);
        frame[..length].CopyTo(_data.AsSpan(slot * SlotSize, length));
        _lengths[slot] = length;
        _records[slot] = record;
        // Release: the slot's contents are visible before the consumer sees the new head.
        Volatile.Write(ref _head, head + 1);
        _signal?.Notify();
        return true;
    }

    /// <summary>The oldest unread frame, valid until <see cref="Release"/>. The consumer thread only.</summary>
    public bool TryPeek(out PacketInRecord record, out ReadOnlySpan<byte> frame)
    {
        long tail = _tail;
        // Acquire: pairs with the producer's release of the head.
        if (Volatile.Read(ref _head) == tail)
        {
            record = default;
            frame = default;
            return false;
        }
        int slot = (int)tail & _mask;
        record = _records[slot];
        frame = _data.AsSpan(slot * SlotSize, _lengths[slot]);
        return true;
    }

    /// <summary>Hands the slot of the last successful <see cref="TryPeek"/> back to the producer. The consumer thread only.</summary>
    public void Release() => Volatile.Write(ref _tail, _tail + 1);
}
