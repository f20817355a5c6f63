using System.Runtime.CompilerServices;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Packets;

/// <summary>
/// One packet: a window (<see cref="Data"/>, <see cref="Length"/>) over either the buffer's own pinned
/// slot in a <see cref="PacketPool"/> or, for zero-copy receive, memory the receiving port lends
/// (guest memory). Design note: buffers are preallocated by a pool and reused forever; the object is
/// only ever owned by one thread at a time (the pool's owner, or whoever the pool rented it to).
/// An external (lent) packet is valid until the lending port's <see cref="IPort.CompleteReceive"/>;
/// anything that must write to it or keep it longer calls <see cref="TryMakeOwned"/> first.
/// Cost: all members are field reads or short pointer arithmetic; no allocation after construction.
/// </summary>
public sealed unsafe class PacketBuffer
{
    private readonly byte* _slot;
    private readonly int _slotSize;
    private readonly int _headroom;
    private byte* _data;
    private int _length;
    private PacketOffload _offload;
    private PacketTunnel _tunnel;

    internal PacketBuffer(PacketPool pool, byte* slot, int slotSize, int headroom)
    {
        Pool = pool;
        _slot = slot;
        _slotSize = slotSize;
        _headroom = headroom;
        _data = slot + headroom;
    }

    /// <summary>The pool this buffer returns to. Fixed for the buffer's life.</summary>
    public PacketPool Pool { get; }

    /// <summary>Start of the packet (the first byte of the Ethernet header).</summary>
    public byte* Data => _data;

    /// <summary>Number of valid bytes at <see cref="Data"/>.</summary>
    public int Length => _length;

    /// <summary>The packet bytes. Valid while the caller owns the buffer (and, if external, until the lender completes the receive).</summary>
    public Span<byte> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_data, _length);
    }

    /// <summary>True when the bytes live in memory lent by the receiving port rather than in this buffer's slot.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>The port the packet came in on (set by the receiving port).</summary>
    public PortId InPort { get; set; }

    /// <summary>
    /// Checksum and segmentation work the sender left for the receiver (all zero for a plain frame). Set by the receiving
    /// port; moved by <see cref="TryPrepend"/> and <see cref="TryTrimFront"/>; cleared by <see cref="Reset"/>.
    /// </summary>
    public ref PacketOffload Offload
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _offload;
    }

    /// <summary>
    /// Tunnel metadata (key, outer addresses): set by a tunnel port on receive and by <c>set_field</c> actions, read by a
    /// flow-based tunnel port on send; all zero otherwise. Cleared by <see cref="Reset"/>.
    /// </summary>
    public ref PacketTunnel Tunnel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _tunnel;
    }

    /// <summary>Bytes that can still be prepended (for a pushed VLAN tag); 0 for external packets.</summary>
    public int Headroom => IsExternal ? 0 : (int)(_data - _slot);

    /// <summary>Bytes that can be written starting at <see cref="Data"/> (owned packets only).</summary>
    public int Capacity => IsExternal ? _length : _slotSize - (int)(_data - _slot);

    /// <summary>Largest packet an owned buffer of this pool can hold with the default headroom.</summary>
    public int DataRoom => _slotSize - _headroom;

    internal bool InPool { get; set; }

    /// <summary>Resets the window to an empty packet at the default headroom in the buffer's own slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reset()
    {
        _data = _slot + _headroom;
        _length = 0;
        IsExternal = false;
        InPort = default;
        _offload = default;
        _tunnel = default;
    }

    /// <summary>Sets the packet length of an owned buffer. Returns false (and changes nothing) if it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySetLength(int length)
    {
        if ((uint)length > (uint)Capacity || IsExternal)
        {
            return false;
        }
        _length = length;
        return true;
    }

    /// <summary>
    /// Points the packet at memory lent by the receiving port. The caller (a port) guarantees that
    /// <paramref name="data"/>..+<paramref name="length"/> stays mapped and unchanged until its
    /// <see cref="IPort.CompleteReceive"/> runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AttachExternal(byte* data, int length)
    {
        _data = data;
        _length = length;
        IsExternal = true;
    }

    /// <summary>
    /// Copies an external packet into this buffer's own slot so it can be modified or kept.
    /// No-op for owned packets. Returns false if the packet does not fit the slot.
    /// </summary>
    public bool TryMakeOwned()
    {
        if (!IsExternal)
        {
            return true;
        }
        if (_length > _slotSize - _headroom)
        {
            return false;
        }
        byte* dst = _slot + _headroom;
        // SAFETY: the source is valid for _length bytes (AttachExternal contract), the destination slot
        // holds _slotSize - _headroom bytes, checked above; the two never overlap (pool memory vs lent memory).
        Buffer.MemoryCopy(_data, dst, _length, _length);
        _data = dst;
        IsExternal = false;
        return true;
    }

    /// <summary>Grows the packet at the front by <paramref name="bytes"/> (owned packets only). Returns false if the headroom is too small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPrepend(int bytes)
    {
        if (IsExternal || (uint)bytes > (uint)Headroom)
        {
            return false;
        }
        _data -= bytes;
        _length += bytes;
        _offload.Shift(bytes);
        return true;
    }

    /// <summary>Removes <paramref name="bytes"/> from the front of the packet. Returns false if the packet is shorter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTrimFront(int bytes)
    {
        if ((uint)bytes > (uint)_length)
        {
            return false;
        }
        _data += bytes;
        _length -= bytes;
        _offload.Shift(-bytes);
        return true;
    }

    /// <summary>Copies <paramref name="source"/> into this owned buffer as the whole packet. Returns false if it does not fit.</summary>
    public bool TryCopyFrom(ReadOnlySpan<byte> source)
    {
        Reset();
        if (source.Length > Capacity)
        {
            return false;
        }
        source.CopyTo(new Span<byte>(_data, source.Length));
        _length = source.Length;
        return true;
    }

    /// <summary>Returns the buffer to its pool. The caller gives up ownership; the buffer must not be used afterwards.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free() => Pool.Return(this);
}
