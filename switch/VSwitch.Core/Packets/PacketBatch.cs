using System.Runtime.CompilerServices;

namespace VSwitch.Core.Packets;

/// <summary>
/// Up to <see cref="Capacity"/> packets handled together (OVS <c>NETDEV_MAX_BURST</c>). Design note:
/// a batch is allocated once and reused for every poll; it never grows. It holds references only:
/// ownership of the packets is stated by each API that takes or fills a batch. Not thread-safe.
/// </summary>
public sealed class PacketBatch
{
    /// <summary>Maximum packets in a batch.</summary>
    public const int Capacity = 32;

    private readonly PacketBuffer?[] _packets = new PacketBuffer?[Capacity];

    /// <summary>Number of packets in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>True when no more packets fit.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>Free places left.</summary>
    public int Free => Capacity - Count;

    /// <summary>The packet at <paramref name="index"/> (0 ≤ index &lt; Count).</summary>
    public PacketBuffer this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Count)
            {
                ThrowIndex();
            }
            return _packets[index]!;
        }
    }

    /// <summary>Appends a packet (the batch now references it; ownership is the caller's contract). Returns false when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAdd(PacketBuffer packet)
    {
        int n = Count;
        if ((uint)n >= Capacity)
        {
            return false;
        }
        _packets[n] = packet;
        Count = n + 1;
        return true;
    }

    /// <summary>Replaces the packet at <paramref name="index"/>.</summary>
    public void Set(int index, PacketBuffer packet)
    {
        if ((uint)index >= (uint)Count)
        {
            ThrowIndex();
        }
        _packets[index] = packet;
    }

    /// <summary>Keeps only the first <paramref name="count"/> packets (references beyond are dropped, not freed).</summary>
    public void Truncate(int count)
    {
        if ((uint)count > (uint)Count)
        {
            ThrowIndex();
        }
        for (int i = count; i < Count; i++)
        {
            _packets[i] = null;
        }
        Count = count;
    }

    /// <summary>Forgets every packet without freeing it (ownership went elsewhere).</summary>
    public void Clear()
    {
        Array.Clear(_packets, 0, Count);
        Count = 0;
    }

    /// <summary>Returns every packet to its pool and empties the batch. The batch must own its packets.</summary>
    public void FreeAll()
    {
        for (int i = 0; i < Count; i++)
        {
            _packets[i]!.Free();
            _packets[i] = null;
        }
        Count = 0;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowIndex() => throw new ArgumentOutOfRangeException("index");
}
