using VSwitch.Core.Diagnostics;

namespace VSwitch.Control.Runtime;

/// <summary>What one datapath thread counted since it started or the counters were last cleared. Immutable snapshot.</summary>
/// <param name="Thread">Thread index.</param>
/// <param name="Cpu">CPU it is pinned to, or null.</param>
/// <param name="Packets">Packets received and processed.</param>
/// <param name="Batches">Non-empty receive batches.</param>
/// <param name="BusyMs">Time spent in iterations that found packets.</param>
/// <param name="IdleMs">Time spent in empty iterations and asleep.</param>
/// <param name="CacheHits">Exact-match cache hits.</param>
/// <param name="CacheMisses">Exact-match cache misses.</param>
/// <param name="ClassifierHits">Misses resolved by the classifier.</param>
/// <param name="Upcalls">Packets that matched no flow in the classifier.</param>
/// <param name="Drops">Packets the thread discarded (not counting the ports' own drops), by reason; a copy.</param>
public sealed record PmdThreadStats(int Thread, int? Cpu, long Packets, long Batches, long BusyMs, long IdleMs, long CacheHits,
    long CacheMisses, long ClassifierHits, long Upcalls, DropCounters Drops)
{
    /// <summary>Bytes the thread allocated on the managed heap since the counters were cleared (0 in steady forwarding).</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Bytes the thread allocated since its poll loop began.</summary>
    public long AllocatedBytesSinceStart { get; init; }

    /// <summary>Times the thread went to sleep waiting for a kick since the counters were cleared.</summary>
    public long Sleeps { get; init; }

    /// <summary>Garbage collections of the whole process since the counters were cleared.</summary>
    public GcCounts Collections { get; init; }

    /// <summary>Stage timing of the sampled batches, or null when none was timed (off, or no traffic since the clear).</summary>
    public PmdStageTimes? Stages { get; init; }

    /// <summary>Buffers in the thread's packet pool (clones, floods).</summary>
    public int PoolBuffers { get; init; }

    /// <summary>Bytes the pool's slab holds from the system (whole 2 MiB pages when in huge pages).</summary>
    public long PoolBytes { get; init; }

    /// <summary>What the pool's slab lives in: hugetlb, thp or heap.</summary>
    public string PoolBacking { get; init; } = "heap";
}

/// <summary>Time the sampled batches of one datapath thread spent in each stage (OVS <c>pmd-perf-show</c>). Immutable.</summary>
/// <param name="Batches">Batches timed.</param>
/// <param name="Packets">Packets in them.</param>
/// <param name="RxNs">Nanoseconds in the receiving port's Receive.</param>
/// <param name="PipelineNs">Nanoseconds in the pipeline (keys, caches, classifier, actions).</param>
/// <param name="TxNs">Nanoseconds handing the output to the ports (their Send).</param>
/// <param name="CompleteNs">Nanoseconds in the receiving port's CompleteReceive.</param>
public sealed record PmdStageTimes(long Batches, long Packets, long RxNs, long PipelineNs, long TxNs, long CompleteNs);
