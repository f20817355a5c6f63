namespace VSwitch.Rpc.Messages;

/// <summary>Counters of one datapath thread since start or the last pmd-stats-clear.</summary>
/// <param name="Thread">Thread index.</param>
/// <param name="Cpu">CPU it is pinned to, or null.</param>
/// <param name="Packets">Packets received and processed.</param>
/// <param name="Batches">Non-empty receive batches.</param>
/// <param name="AvgBatchSize">Packets per non-empty batch.</param>
/// <param name="BusyMs">Time spent in iterations that found packets.</param>
/// <param name="IdleMs">Time spent in empty iterations and asleep.</param>
/// <param name="CacheHits">Exact-match cache hits.</param>
/// <param name="CacheMisses">Exact-match cache misses.</param>
/// <param name="ClassifierHits">Misses resolved by the classifier.</param>
/// <param name="Upcalls">Packets that matched no flow in the classifier (slow path).</param>
/// <param name="DropsByReason">Packets the thread discarded (not counting the ports' own drops), by reason; non-zero reasons only.</param>
public sealed record PmdStatsInfo(int Thread, int? Cpu, long Packets, long Batches, double AvgBatchSize, long BusyMs, long IdleMs,
    long CacheHits, long CacheMisses, long ClassifierHits, long Upcalls, Dictionary<string, long> DropsByReason)
{
    /// <summary>
    /// Bytes the datapath thread itself allocated on the managed heap since the last pmd-stats-clear (or its start),
    /// as the thread last sampled it (every 1024 iterations and before it sleeps). 0 in steady forwarding.
    /// </summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Bytes the datapath thread allocated since its poll loop began.</summary>
    public long AllocatedBytesSinceStart { get; init; }

    /// <summary>
    /// Times the thread went to sleep waiting for a kick (adaptive mode) since the last pmd-stats-clear (or start). Under
    /// steady load it should stay near 0: each sleep turns guest kicks back on and costs a wake-up.
    /// </summary>
    public long Sleeps { get; init; }

    /// <summary>Gen-0 garbage collections of the whole process since the last pmd-stats-clear (or start).</summary>
    public int GcGen0 { get; init; }

    /// <summary>Gen-1 garbage collections of the whole process since the last pmd-stats-clear (or start).</summary>
    public int GcGen1 { get; init; }

    /// <summary>Gen-2 garbage collections of the whole process since the last pmd-stats-clear (or start).</summary>
    public int GcGen2 { get; init; }

    /// <summary>
    /// Stage timing (vswitchd --pmd-perf-metrics: one received batch in 64 timed stage by stage), or null when off or
    /// nothing was timed since the last pmd-stats-clear.
    /// </summary>
    public PmdStageInfo? Stages { get; init; }

    /// <summary>Buffers in the thread's own packet pool (clones and floods are copied into it).</summary>
    public int PoolBuffers { get; init; }

    /// <summary>Bytes of memory the thread's packet pool holds (whole 2 MiB pages when in huge pages).</summary>
    public long PoolBytes { get; init; }

    /// <summary>What the thread's packet pool lives in: "hugetlb", "thp" or "heap" (null from an older daemon).</summary>
    public string? PoolBacking { get; init; }
}

/// <summary>Where the sampled batches of one datapath thread spent their time, per packet (OVS <c>pmd-perf-show</c>).</summary>
/// <param name="SampledBatches">Batches timed.</param>
/// <param name="SampledPackets">Packets in them.</param>
/// <param name="RxNsPerPacket">The receiving port's Receive (guest ring → packets).</param>
/// <param name="PipelineNsPerPacket">Key extraction, caches, classifier, actions into the transmit buffers.</param>
/// <param name="TxNsPerPacket">The output ports' Send (packets → guest rings).</param>
/// <param name="CompleteNsPerPacket">The receiving port's CompleteReceive (used ring, buffers returned).</param>
/// <param name="TotalNs">The four stages of all sampled batches together, in nanoseconds (at most the busy time).</param>
public sealed record PmdStageInfo(long SampledBatches, long SampledPackets, double RxNsPerPacket, double PipelineNsPerPacket,
    double TxNsPerPacket, double CompleteNsPerPacket, long TotalNs);
