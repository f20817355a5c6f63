using System.Runtime.CompilerServices;
using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>
/// The checks one descriptor must pass, written once for every path that takes descriptors: the step of
/// <see cref="DescriptorChainWalker"/> and the single-descriptor fast paths of the net receiver and transmitter.
/// Design note: a rule sees a descriptor's address, length and flags and what the walk has seen so far (a writable
/// element, the bytes so far, whether it is inside an indirect table), never a table index or a ring position, so the
/// rules hold for the packed ring (VIRTIO 1.2 §2.8) as they do for the split ring: both use the same NEXT, WRITE and
/// INDIRECT bits and the same chain rules, and bits the rules do not know (the packed ring's AVAIL and USED among them)
/// are ignored. Buffers and tables are resolved only through <see cref="GuestMemory"/>, the bounds-checked door. Each
/// rule is one small predicate, with its spec citation; <see cref="CheckBuffer"/> applies them in verdict order (when a
/// descriptor breaks several rules, the first one is the verdict, whichever path met it) and
/// <see cref="TryCheckSingle"/> applies the same ones cheapest first. Stateless and aggressively inlined, so a caller
/// that passes constants (a first descriptor, a fixed direction) pays only for the checks that remain. Never allocates
/// or throws.
/// </summary>
internal static class DescriptorRules
{
    /// <summary>Upper bound of a chain's total length (VIRTIO 1.2 §2.7.5.2).</summary>
    public const ulong MaxChainBytes = 1UL << 32;

    /// <summary>Largest indirect table, in entries: <c>next</c> is 16 bits, so no chain can reach further.</summary>
    public const uint MaxIndirectEntries = 65536;

    /// <summary>
    /// Checks a descriptor that holds a buffer (no INDIRECT) as the next element of a chain of
    /// <paramref name="direction"/> whose elements so far hold <paramref name="totalBefore"/> bytes, a device-writable
    /// one among them if <paramref name="seenWritable"/>. On <see cref="ChainStatus.Ok"/>, <paramref name="buffer"/> is
    /// the buffer's checked window (empty for a zero-length buffer); otherwise it is empty and the status names the
    /// first rule broken, in this order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ChainStatus CheckBuffer(
        GuestMemory memory, ulong address, uint length, ushort flags, ChainDirection direction, bool seenWritable, ulong totalBefore,
        out GuestWindow buffer)
    {
        buffer = default;
        if (!KeepsOrder(flags, seenWritable))
        {
            return ChainStatus.WrongDirection;
        }
        if (!FitsBudget(length, totalBefore))
        {
            return ChainStatus.TooLong;
        }
        if (!TryResolveBuffer(memory, address, length, out buffer))
        {
            return ChainStatus.OutOfRange;
        }
        if (!MatchesDirection(flags, direction))
        {
            buffer = default;
            return ChainStatus.WrongDirection;
        }
        return ChainStatus.Ok;
    }

    /// <summary>
    /// Checks a descriptor with INDIRECT, met inside an indirect table if <paramref name="inIndirect"/>. On
    /// <see cref="ChainStatus.Ok"/>, <paramref name="table"/> is the table's checked window (<c>length / 16</c>
    /// entries); otherwise it is empty and the status names the violation.
    /// </summary>
    public static ChainStatus CheckIndirectTable(GuestMemory memory, ulong address, uint length, ushort flags, bool inIndirect, out GuestWindow table)
    {
        table = default;
        // VIRTIO 1.2 §2.7.5.3.1: no indirect descriptor inside an indirect table, and never INDIRECT together with NEXT.
        // (The device ignores WRITE on the indirect descriptor itself, §2.7.5.3.2.)
        if (inIndirect || (flags & Descriptor.NextFlag) != 0)
        {
            return ChainStatus.BadIndirect;
        }
        // The table is desc[len / 16]: a non-zero multiple of 16, and no larger than a 16-bit next can index.
        if (length == 0 || (length & (Descriptor.Size - 1)) != 0 || length / Descriptor.Size > MaxIndirectEntries)
        {
            return ChainStatus.BadIndirect;
        }
        if (!memory.TryGetWindow(new GuestAddress(address), length, out table))
        {
            return ChainStatus.OutOfRange;
        }
        return ChainStatus.Ok;
    }

    /// <summary>
    /// The single-descriptor fast paths' test: true when the descriptor is a whole chain by itself (neither NEXT nor
    /// INDIRECT) and passes every rule of <see cref="CheckBuffer"/> as the first element of a chain of
    /// <paramref name="direction"/>, which is exactly when a walk of it yields this one buffer and ends. The rules are
    /// taken cheapest first (flags, then memory): their order only decides which violation is named, and false here
    /// names none. The caller walks the chain instead, and the walker gives the verdict.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryCheckSingle(GuestMemory memory, ulong address, uint length, ushort flags, ChainDirection direction, out GuestWindow buffer)
    {
        buffer = default;
        // KeepsOrder and FitsBudget always hold for a first element (no writable one before it, a 32-bit length within
        // the 2^32 budget); they are written out so this is visibly CheckBuffer's rule set, and cost nothing.
        return (flags & (Descriptor.NextFlag | Descriptor.IndirectFlag)) == 0
            && MatchesDirection(flags, direction)
            && KeepsOrder(flags, seenWritable: false)
            && FitsBudget(length, totalBefore: 0)
            && TryResolveBuffer(memory, address, length, out buffer);
    }

    /// <summary>VIRTIO 1.2 §2.7.4.2: device-writable elements come after every device-readable one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool KeepsOrder(ushort flags, bool seenWritable) => (flags & Descriptor.WriteFlag) != 0 || !seenWritable;

    /// <summary>VIRTIO 1.2 §2.7.5.2: "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total".</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FitsBudget(uint length, ulong totalBefore) => totalBefore + length <= MaxChainBytes;

    /// <summary>
    /// The whole buffer lies in guest memory, in one region, resolved through <see cref="GuestMemory"/> into a checked
    /// window; a zero-length buffer touches nothing and needs no mapping (its window stays empty).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryResolveBuffer(GuestMemory memory, ulong address, uint length, out GuestWindow buffer)
    {
        buffer = default;
        return length == 0 || memory.TryGetWindow(new GuestAddress(address), length, out buffer);
    }

    /// <summary>
    /// VIRTIO 1.2 §5.1.6.2 and §5.1.6.3: each virtio-net queue carries buffers of one direction; a writable buffer in a
    /// transmit chain, or a readable one in a receive chain (which the device must not write, §2.7.5.1), is a driver bug.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MatchesDirection(ushort flags, ChainDirection direction) =>
        (flags & Descriptor.WriteFlag) != 0 ? direction != ChainDirection.ReadableOnly : direction != ChainDirection.WritableOnly;
}
