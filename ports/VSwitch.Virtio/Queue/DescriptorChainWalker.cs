using System.Runtime.CompilerServices;
using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>
/// Walks one descriptor chain in place, descriptor by descriptor (vm-virtio <c>DescriptorChain</c>), with no object
/// per chain. Design note: the driver's table is hostile input, so every step is bounded and checked: a TTL of the
/// table's length (queue size, or the indirect table's entry count) catches loops, the running total is capped at
/// 2^32 bytes (VIRTIO 1.2 §2.7.5.2), indexes are checked against the table, an indirect table must be a non-zero
/// multiple of 16 bytes and may not contain another indirect descriptor or carry NEXT (§2.7.5.3.1), and a
/// device-readable descriptor after a device-writable one is rejected (§2.7.4.2). Each produced descriptor's buffer is
/// already checked to lie in guest memory and comes with its window. The first failure is latched: every later call
/// returns the same status. Never throws. Stack-only (ref struct); one walker per chain, used on one thread.
/// </summary>
public ref struct DescriptorChainWalker
{
    /// <summary>Largest indirect table, in entries: <c>next</c> is 16 bits, so no chain can reach further.</summary>
    public const uint MaxIndirectEntries = 65536;

    /// <summary>Upper bound of a chain's total length (VIRTIO 1.2 §2.7.5.2).</summary>
    public const ulong MaxChainBytes = 1UL << 32;

    private readonly GuestMemory _memory;
    private GuestWindow _table;
    private uint _ttl;
    private ulong _total;
    private ushort _next;
    private bool _inIndirect;
    private bool _seenWritable;
    private ChainStatus _status;

    /// <summary>
    /// Starts a walk of the chain at <paramref name="head"/> in <paramref name="queue"/>'s descriptor table. If the
    /// queue's rings are not in <paramref name="memory"/> the first step returns <see cref="ChainStatus.OutOfRange"/>
    /// (and the queue is marked broken); a head outside the table gives <see cref="ChainStatus.BadHead"/>.
    /// </summary>
    public DescriptorChainWalker(GuestMemory memory, SplitQueue queue, ushort head)
        : this(memory, queue.TryGetDescTable(memory, out GuestWindow table) ? table : default, queue.Size, head)
    {
        if (table.IsEmpty)
        {
            _status = ChainStatus.OutOfRange;
        }
    }

    internal DescriptorChainWalker(GuestMemory memory, GuestWindow table, ushort queueSize, ushort head)
    {
        _memory = memory;
        _table = table;
        _ttl = queueSize;
        _next = head;
        Head = head;
        _status = head < queueSize ? ChainStatus.Ok : ChainStatus.BadHead;
    }

    /// <summary>The head index the chain started at (what goes into the used ring).</summary>
    public ushort Head { get; }

    /// <summary>Sum of the lengths of the descriptors produced so far.</summary>
    public readonly ulong TotalLength => _total;

    /// <summary>Produces the next descriptor, <see cref="ChainStatus.End"/> after the last one, or the (latched) violation.</summary>
    public ChainStatus Next(out Descriptor descriptor) => Next(out descriptor, out _);

    /// <summary>
    /// Produces the next descriptor and a checked window over its buffer (empty for a zero-length descriptor),
    /// <see cref="ChainStatus.End"/> after the last one, or the (latched) violation.
    /// </summary>
    public ChainStatus Next(out Descriptor descriptor, out GuestWindow buffer)
    {
        buffer = default;
        descriptor = default;
        while (_status == ChainStatus.Ok)
        {
            if (_ttl == 0)
            {
                // VIRTIO 1.2 §2.7.5.2: "loops in the descriptor chain are forbidden"; more steps than entries is a loop.
                return Fail(ChainStatus.Loop);
            }
            _ttl--;
            if (!_table.TryReadDescriptorBytes((ulong)_next * Descriptor.Size, out ulong address, out uint length, out ushort flags, out ushort next))
            {
                return Fail(_inIndirect ? ChainStatus.BadIndirect : ChainStatus.BadHead);
            }
            if ((flags & Descriptor.IndirectFlag) != 0)
            {
                ChainStatus entered = EnterIndirect(address, length, flags);
                if (entered != ChainStatus.Ok)
                {
                    return Fail(entered);
                }
                continue;
            }
            bool writable = (flags & Descriptor.WriteFlag) != 0;
            if (!writable && _seenWritable)
            {
                // VIRTIO 1.2 §2.7.4.2: device-writable elements come after every device-readable one.
                return Fail(ChainStatus.WrongDirection);
            }
            _seenWritable |= writable;
            ulong total = _total + length;
            if (total > MaxChainBytes)
            {
                // VIRTIO 1.2 §2.7.5.2: "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total".
                return Fail(ChainStatus.TooLong);
            }
            if (length != 0 && !_memory.TryGetWindow(new GuestAddress(address), length, out buffer))
            {
                return Fail(ChainStatus.OutOfRange);
            }
            _total = total;
            descriptor = new Descriptor(new GuestAddress(address), length, flags, next);
            if ((flags & Descriptor.NextFlag) != 0)
            {
                _next = next;
            }
            else
            {
                _status = ChainStatus.End;
            }
            return ChainStatus.Ok;
        }
        return _status;
    }

    private ChainStatus EnterIndirect(ulong address, uint length, ushort flags)
    {
        // VIRTIO 1.2 §2.7.5.3.1: no indirect descriptor inside an indirect table, and never INDIRECT together with NEXT.
        // (The device ignores WRITE on the indirect descriptor itself, §2.7.5.3.2.)
        if (_inIndirect || (flags & Descriptor.NextFlag) != 0)
        {
            return ChainStatus.BadIndirect;
        }
        // The table is desc[len / 16]: a non-zero multiple of 16, and no larger than a 16-bit next can index.
        if (length == 0 || (length & (Descriptor.Size - 1)) != 0 || length / Descriptor.Size > MaxIndirectEntries)
        {
            return ChainStatus.BadIndirect;
        }
        if (!_memory.TryGetWindow(new GuestAddress(address), length, out GuestWindow table))
        {
            return ChainStatus.OutOfRange;
        }
        _table = table;
        _ttl = length / Descriptor.Size;
        _next = 0;
        _inIndirect = true;
        return ChainStatus.Ok;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ChainStatus Fail(ChainStatus status)
    {
        _status = status;
        return status;
    }
}
