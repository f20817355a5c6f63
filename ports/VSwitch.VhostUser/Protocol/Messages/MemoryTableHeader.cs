using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Protocol.Messages;

/// <summary>The start of SET_MEM_TABLE's payload: region count and padding, followed by the region descriptions.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct MemoryTableHeader(uint RegionCount, uint Padding)
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 8;

    /// <summary>Most regions a SET_MEM_TABLE may carry (the fd limit of one message).</summary>
    public const int MaxRegions = 8;

    /// <summary>At least one and at most <see cref="MaxRegions"/> regions, and exactly as many as <paramref name="payloadSize"/> holds.</summary>
    public bool IsValid(int payloadSize) =>
        RegionCount is >= 1 and <= MaxRegions && payloadSize == Size + ((int)RegionCount * MemoryRegion.Size);
}
