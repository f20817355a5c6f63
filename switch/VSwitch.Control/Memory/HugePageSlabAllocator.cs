using Microsoft.Extensions.Logging;
using VSwitch.Core.Packets;
using VSwitch.Native;

namespace VSwitch.Control.Memory;

/// <summary>
/// Puts packet pool slabs in huge pages (<see cref="HugePageMemory"/>) as <see cref="Policy"/> allows, and falls back to
/// the heap when the mapping fails, so a pool never fails for lack of huge pages. Slabs smaller than one 2 MiB page stay
/// on the heap (a page would be mostly wasted, and a small pool covers few TLB entries anyway). Logs one line per slab:
/// what it got, how much, and why a step of the chain failed. Control side.
/// </summary>
public sealed class HugePageSlabAllocator : PacketSlabAllocator
{
    private readonly ILogger _log;

    /// <summary>An allocator following <paramref name="policy"/> that logs to <paramref name="log"/>.</summary>
    public HugePageSlabAllocator(HugePagePolicy policy, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(log);
        Policy = policy;
        _log = log;
    }

    /// <summary>Which huge pages are tried, best first.</summary>
    public HugePagePolicy Policy { get; }

    /// <summary>Slabs below this size stay on the heap.</summary>
    public static int MinimumHugeSlab => HugePageMemory.HugePageSize;

    /// <inheritdoc />
    public override PacketSlab Allocate(nuint bytes, int slots, int slotSize)
    {
        string? why = null;
        HugePageMemory? memory = null;
        if (Policy == HugePagePolicy.Off)
        {
            why = "--pool-hugepages off";
        }
        else if (bytes < (nuint)MinimumHugeSlab)
        {
            why = "smaller than one 2 MiB page";
        }
        else
        {
            memory = HugePageMemory.TryMap(bytes, Policy, out why);
        }
        if (memory is null)
        {
            var heap = new HeapPacketSlab(bytes);
            _log.LogInformation("packet pool: {Slots} slots x {SlotSize} B = {MiB:F1} MiB on the heap ({Why})",
                slots, slotSize, bytes / 1048576.0, why);
            return heap;
        }
        var slab = new MappedPacketSlab(memory);
        _log.LogInformation("packet pool: {Slots} slots x {SlotSize} B = {MiB:F1} MiB in {Backing} ({Pages} x 2 MiB mapped{Why})",
            slots, slotSize, bytes / 1048576.0, Describe(slab.Backing), memory.Length / (nuint)HugePageMemory.HugePageSize,
            why is null ? string.Empty : "; " + why);
        return slab;
    }

    /// <summary>The option value of a policy, as --pool-hugepages spells it: hugetlb, thp or off.</summary>
    public static string Describe(HugePagePolicy policy) => policy switch
    {
        HugePagePolicy.HugeTlb => "hugetlb",
        HugePagePolicy.TransparentHugePages => "thp",
        _ => "off",
    };

    /// <summary>The words a user reads for a backing in logs and statistics: hugetlb, thp or heap.</summary>
    public static string Describe(PacketSlabBacking backing) => backing switch
    {
        PacketSlabBacking.HugeTlb => "hugetlb",
        PacketSlabBacking.TransparentHugePages => "thp",
        _ => "heap",
    };

    /// <summary>A slab over a huge-page mapping; releasing it unmaps the memory.</summary>
    private sealed class MappedPacketSlab : PacketSlab
    {
        private readonly HugePageMemory _memory;

        public MappedPacketSlab(HugePageMemory memory)
            : base(memory.Address, memory.Length,
                memory.Kind == HugePageKind.HugeTlb ? PacketSlabBacking.HugeTlb : PacketSlabBacking.TransparentHugePages,
                memory.Length)
        {
            _memory = memory;
        }

        protected override void Release() => _memory.Dispose();
    }
}
