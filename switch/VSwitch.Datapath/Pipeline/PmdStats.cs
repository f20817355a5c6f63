using VSwitch.Core.Diagnostics;
using VSwitch.Flows.Rules;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// Counters of one datapath thread (OVS <c>pmd-stats-show</c>). Written only by the owning thread with plain
/// stores; read by the control plane, which accepts values up to one batch old. 64-bit fields are read whole on
/// 64-bit targets.
/// </summary>
public sealed class PmdStats
{
    /// <summary>Packets received and processed.</summary>
    public long Packets;

    /// <summary>Non-empty receive batches processed.</summary>
    public long Batches;

    /// <summary>Packets whose flow came from the exact-match cache.</summary>
    public long EmcHits;

    /// <summary>Packets that missed the exact-match cache.</summary>
    public long EmcMisses;

    /// <summary>Exact-match misses a cached megaflow answered.</summary>
    public long ClassifierHits;

    /// <summary>Packets translated through the OpenFlow tables (missed both caches); each result is cached.</summary>
    public long Upcalls;

    /// <summary>Packets handed to ports for transmission (including clones).</summary>
    public long TxPackets;

    /// <summary>Transmit batches handed to ports.</summary>
    public long TxBatches;

    /// <summary>Completed poll iterations (one per <see cref="PmdContext.PollOnce(VSwitch.Core.Ports.IPort, int)"/>); a quiescent point between each.</summary>
    public long Iterations;

    /// <summary>
    /// Stage timing (OVS <c>pmd-perf-show</c>), counted only when <see cref="PmdContext.StageSampleInterval"/> is set:
    /// non-empty batches timed stage by stage, one in every interval.
    /// </summary>
    public long SampledBatches;

    /// <summary>Packets in the <see cref="SampledBatches"/>.</summary>
    public long SampledPackets;

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> ticks of the sampled batches spent in the port's Receive.</summary>
    public long RxTicks;

    /// <summary>Ticks of the sampled batches spent in the pipeline (keys, cache, classifier, actions into the transmit buffers).</summary>
    public long PipelineTicks;

    /// <summary>Ticks of the sampled batches spent handing the transmit buffers to the output ports (their Send).</summary>
    public long TxTicks;

    /// <summary>Ticks of the sampled batches spent in the receiving port's CompleteReceive.</summary>
    public long CompleteTicks;

    /// <summary>Packets discarded by the datapath, by reason (ports count their own drops).</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>
    /// Packets looked up in each OpenFlow table (by table id), counted once per packet of a flow batch. These are the
    /// OpenFlow TABLE statistics: <see cref="Clear"/> leaves them, so they only grow.
    /// </summary>
    public long[] TableLookups { get; } = new long[FlowTables.TableCount];

    /// <summary>Packets that matched a flow in each OpenFlow table (by table id).</summary>
    public long[] TableMatches { get; } = new long[FlowTables.TableCount];

    /// <summary>Adds <see cref="TableLookups"/> and <see cref="TableMatches"/> to <paramref name="lookups"/> and <paramref name="matches"/> (any thread).</summary>
    public void AddTableCountsTo(Span<long> lookups, Span<long> matches)
    {
        for (int i = 0; i < TableLookups.Length && i < lookups.Length && i < matches.Length; i++)
        {
            lookups[i] += Volatile.Read(ref TableLookups[i]);
            matches[i] += Volatile.Read(ref TableMatches[i]);
        }
    }

    /// <summary>Zeroes every counter but the table ones (racy by design with a running thread).</summary>
    public void Clear()
    {
        Packets = 0;
        Batches = 0;
        EmcHits = 0;
        EmcMisses = 0;
        ClassifierHits = 0;
        Upcalls = 0;
        TxPackets = 0;
        TxBatches = 0;
        Iterations = 0;
        SampledBatches = 0;
        SampledPackets = 0;
        RxTicks = 0;
        PipelineTicks = 0;
        TxTicks = 0;
        CompleteTicks = 0;
        Drops.Clear();
    }
}
