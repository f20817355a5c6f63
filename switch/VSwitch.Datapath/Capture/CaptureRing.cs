using System.Numerics;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// A bounded multi-producer, single-consumer ring of preallocated fixed-size slots (Vyukov's bounded queue): each
/// slot has a sequence number saying whose turn it is. Producers (datapath threads) claim a slot with one
/// compare-and-swap on the enqueue position and never wait: when the slot at that position is still unread the ring
/// is full and <see cref="TryWrite"/> returns false. The consumer (one writer thread) reads slots in order and hands
/// each back by advancing its sequence by the capacity. Frames longer than <see cref="SlotSize"/> are cut (the original
/// length is kept). Cost: no allocation after construction; a write is one CAS, one copy of at most a slot, and one
/// release store. Memory: <c>capacity × slotSize</c> bytes.
/// </summary>
public sealed class CaptureRing
{
    private readonly long[] _sequence;
    private readonly byte[] _data;
    private readonly long[] _timestamp;
    private readonly int[] _originalLength;
    private readonly int[] _capturedLength;
    private readonly int[] _interface;
    private readonly byte[] _kind;
    private readonly byte[] _reason;
    private readonly int _mask;
    private long _enqueuePos;
    private long _dequeuePos;

    /// <summary>Creates a ring of <paramref name="capacity"/> slots (rounded up to a power of two) of <paramref name="slotSize"/> bytes.</summary>
    public CaptureRing(int capacity, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        capacity = (int)BitOperations.RoundUpToPowerOf2((uint)capacity);
        Capacity = capacity;
        SlotSize = slotSize;
        _mask = capacity - 1;
        _sequence = new long[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _sequence[i] = i;
        }
        _data = new byte[(long)capacity * slotSize];
        _timestamp = new long[capacity];
        _originalLength = new int[capacity];
        _capturedLength = new int[capacity];
        _interface = new int[capacity];
        _kind = new byte[capacity];
        _reason = new byte[capacity];
    }

    /// <summary>Number of slots.</summary>
    public int Capacity { get; }

    /// <summary>Bytes kept of each frame at most.</summary>
    public int SlotSize { get; }

    /// <summary>
    /// Copies <paramref name="frame"/> (up to <see cref="SlotSize"/> bytes) into a free slot with its metadata.
    /// Returns false, copying nothing, when the ring is full. Any thread; never blocks, never allocates.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> frame, long timestampNs, int iface, CaptureKind kind, DropReason reason)
    {
        long pos = Volatile.Read(ref _enqueuePos);
        int slot;
        while (true)
        {
            slot = (int)pos & _mask;
            long seq = Volatile.Read(ref _sequence[slot]);
            long diff = seq - pos;
            if (diff == 0)
            {
                long seen = Interlocked.CompareExchange(ref _enqueuePos, pos + 1, pos);
                if (seen == pos)
                {
                    break;
                }
                pos = seen;
            }
            else if (diff < 0)
            {
                return false;
            }
            else
            {
                pos = Volatile.Read(ref _enqueuePos);
            }
        }
        int length = Math.Min(frame.Length, SlotSize);
        frame[..length].CopyTo(_data.AsSpan(slot * SlotSize, length));
        _timestamp[slot] = timestampNs;
        _originalLength[slot] = frame.Length;
        _capturedLength[slot] = length;
        _interface[slot] = iface;
        _kind[slot] = (byte)kind;
        _reason[slot] = (byte)reason;
        // Release: the slot's contents are visible before the consumer sees its turn.
        Volatile.Write(ref _sequence[slot], pos + 1);
        return true;
    }

    /// <summary>
    /// The oldest unread frame, if any: its metadata and its bytes (valid until <see cref="Release"/>). The single
    /// consumer thread only.
    /// </summary>
    public bool TryPeek(out CaptureRecord record, out ReadOnlySpan<byte> data)
    {
        int slot = (int)_dequeuePos & _mask;
        // Acquire: pairs with the producer's release store of the sequence.
        if (Volatile.Read(ref _sequence[slot]) != _dequeuePos + 1)
        {
            record = default;
            data = default;
            return false;
        }
        record = new CaptureRecord(_timestamp[slot], _originalLength[slot], _interface[slot], (CaptureKind)_kind[slot], (DropReason)_reason[slot]);
        data = _data.AsSpan(slot * SlotSize, _capturedLength[slot]);
        return true;
    }

    /// <summary>Hands the slot returned by the last successful <see cref="TryPeek"/> back to the producers. Consumer only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release()
    {
        int slot = (int)_dequeuePos & _mask;
        Volatile.Write(ref _sequence[slot], _dequeuePos + Capacity);
        _dequeuePos++;
    }
}
