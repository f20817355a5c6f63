using System.Runtime.CompilerServices;
using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>
/// Walks one descriptor chain in place, descriptor by descriptor (vm-virtio <c>DescriptorChain</c>), with no object
/// per chain. Design note: the driver's table is hostile input, so every step is bounded and checked. The walker
/// itself owns what belongs to the split ring's table: a TTL of the table's length (queue size, or the indirect table's
/// entry count) catches loops (VIRTIO 1.2 §2.7.5.2), and head and next indexes are checked against the table. What
/// each descriptor must satisfy (its buffer in guest memory, the 2^32-byte chain budget, the direction order and the
/// queue's <see cref="ChainDirection"/>, the indirect table's form) is <see cref="DescriptorRules"/>, shared with the
/// single-descriptor fast paths. Each produced descriptor comes with its buffer's checked window. The first failure is
/// latched: every later call returns the same status. Never throws. Stack-only (ref struct); one walker per chain,
/// used on one thread.
/// Packed rings (VIRTIO 1.2 §2.8, <see cref="Packed"/>): the same walk with the packed layout (id at byte 12, flags at
/// byte 14) and packed stepping: a chain occupies consecutive ring slots, wrapping at the ring's end, for as long as
/// NEXT is set, with the queue size as TTL (a longer chain is a <see cref="ChainStatus.Loop"/>); the buffer id is taken
/// from the chain's last ring descriptor (<see cref="Id"/>) and the slots it occupied are counted
/// (<see cref="Slots"/>). An indirect table is taken in order, all <c>len / 16</c> entries, whatever NEXT says
/// (VIRTIO 1.2 §2.8.8: only WRITE is meaningful inside the table); INDIRECT inside it is still a violation, and WRITE is
/// ignored inside the table of a device-readable (transmit) chain, for DPDK's virtio driver (see the step).
/// </summary>
public ref struct DescriptorChainWalker
{
    /// <summary>Largest indirect table, in entries: <c>next</c> is 16 bits, so no chain can reach further.</summary>
    public const uint MaxIndirectEntries = DescriptorRules.MaxIndirectEntries;

    /// <summary>Upper bound of a chain's total length (VIRTIO 1.2 §2.7.5.2).</summary>
    public const ulong MaxChainBytes = DescriptorRules.MaxChainBytes;

    private readonly GuestMemory _memory;
    private readonly ChainDirection _direction;
    private GuestWindow _table;
    private uint _ttl;
    private ulong _total;
    private ushort _next;
    private bool _inIndirect;
    private bool _seenWritable;
    private ChainStatus _status;
    private readonly bool _packed;
    private readonly ushort _ringSize;
    private ushort _id;
    private ushort _slots;

    /// <summary>
    /// Starts a walk of the chain at <paramref name="head"/> in <paramref name="queue"/>'s descriptor table, for a queue
    /// whose buffers have <paramref name="direction"/>. If the queue's rings are not in <paramref name="memory"/> the
    /// first step returns <see cref="ChainStatus.OutOfRange"/> (and the queue is marked broken); a head outside the
    /// table gives <see cref="ChainStatus.BadHead"/>.
    /// </summary>
    public DescriptorChainWalker(GuestMemory memory, SplitQueue queue, ushort head, ChainDirection direction = ChainDirection.ReadableThenWritable)
        : this(memory, queue.TryGetDescTable(memory, out GuestWindow table) ? table : default, queue.Size, head, direction)
    {
        if (table.IsEmpty)
        {
            _status = ChainStatus.OutOfRange;
        }
    }

    internal DescriptorChainWalker(GuestMemory memory, GuestWindow table, ushort queueSize, ushort head, ChainDirection direction)
    {
        _memory = memory;
        _direction = direction;
        _table = table;
        _ttl = queueSize;
        _next = head;
        Head = head;
        _status = head < queueSize ? ChainStatus.Ok : ChainStatus.BadHead;
    }

    /// <summary>
    /// Walks the packed-ring chain whose first descriptor is at <paramref name="slot"/> of <paramref name="ring"/> (a
    /// packed descriptor ring of <paramref name="ringSize"/> slots). Availability of the chain is the caller's business
    /// (decided on the first descriptor's flags); here only NEXT, WRITE and INDIRECT count.
    /// </summary>
    internal static DescriptorChainWalker Packed(GuestMemory memory, GuestWindow ring, ushort ringSize, ushort slot, ChainDirection direction) =>
        new(memory, ring, ringSize, slot, direction, packed: true);

    private DescriptorChainWalker(GuestMemory memory, GuestWindow table, ushort ringSize, ushort slot, ChainDirection direction, bool packed)
        : this(memory, table, ringSize, slot, direction)
    {
        _packed = packed;
        _ringSize = ringSize;
    }

    /// <summary>The head index the chain started at (what goes into the used ring).</summary>
    public ushort Head { get; }

    /// <summary>Packed rings: the buffer id of the chain (valid after <see cref="ChainStatus.End"/>).</summary>
    public readonly ushort Id => _id;

    /// <summary>Packed rings: ring slots the chain occupied so far (all of them after <see cref="ChainStatus.End"/>).</summary>
    public readonly ushort Slots => _slots;

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
            if (_packed)
            {
                // VIRTIO 1.2 §2.8.13: a packed descriptor is addr, len, id, flags; the split reader saw id as flags.
                (flags, next) = (next, flags);
                if (!_inIndirect)
                {
                    _slots++;
                    _id = next;
                }
                else if (_direction == ChainDirection.ReadableOnly)
                {
                    // DPDK's virtio PMD (22.11) presets WRITE on the header entry of the indirect tables it reuses for
                    // packed-ring transmits, and DPDK's vhost ignores it. The device only reads these buffers, so the
                    // bit cannot widen what it does: it is ignored here rather than refusing every such transmit.
                    flags &= unchecked((ushort)~Descriptor.WriteFlag);
                }
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
            ChainStatus status = DescriptorRules.CheckBuffer(_memory, address, length, flags, _direction, _seenWritable, _total, out buffer);
            if (status != ChainStatus.Ok)
            {
                return Fail(status);
            }
            _seenWritable |= (flags & Descriptor.WriteFlag) != 0;
            _total += length;
            descriptor = new Descriptor(new GuestAddress(address), length, flags, next);
            if (_packed)
            {
                StepPacked(flags);
            }
            else if ((flags & Descriptor.NextFlag) != 0)
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
        ChainStatus status = DescriptorRules.CheckIndirectTable(_memory, address, length, flags, _inIndirect, out GuestWindow table);
        if (status == ChainStatus.Ok)
        {
            _table = table;
            _ttl = length / Descriptor.Size;
            _next = 0;
            _inIndirect = true;
        }
        return status;
    }

    /// <summary>
    /// Packed stepping after a buffer descriptor: inside an indirect table the next entry until the table ends; in the
    /// ring the next slot (wrapping) while NEXT is set.
    /// </summary>
    private void StepPacked(ushort flags)
    {
        if (_inIndirect)
        {
            if (_ttl == 0)
            {
                _status = ChainStatus.End;
            }
            else
            {
                _next++;
            }
        }
        else if ((flags & Descriptor.NextFlag) != 0)
        {
            _next = (ushort)(_next + 1 == _ringSize ? 0 : _next + 1);
        }
        else
        {
            _status = ChainStatus.End;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ChainStatus Fail(ChainStatus status)
    {
        _status = status;
        return status;
    }
}
