using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VSwitch.Control.Memory;
using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.Core.Diagnostics;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;

namespace VSwitch.Daemon.Pmd;

/// <summary>
/// The datapath threads of the switch (<c>--pmd-threads</c>, pinned round-robin to <c>--pmd-cpus</c>) and what the
/// control plane asks of them: counters, queue assignment, mode changes, and the quiescence wait that must pass
/// before a port removed from the snapshot is released. Control thread only.
/// </summary>
internal sealed class DatapathThreads : IDisposable
{
    private readonly PmdThread[] _threads;
    private GcCounts _gcBase = GcCounts.Now();

    public DatapathThreads(SwitchDatapath datapath, int count, IReadOnlyList<int>? cpus, PmdMode mode, ILogger log)
    {
        _threads = new PmdThread[count];
        for (int i = 0; i < count; i++)
        {
            int? cpu = cpus is { Count: > 0 } ? cpus[i % cpus.Count] : null;
            _threads[i] = new PmdThread(datapath, i, count, cpu, mode, log);
        }
    }

    /// <summary>Number of datapath threads.</summary>
    public int Count => _threads.Length;

    public void Start()
    {
        foreach (PmdThread t in _threads)
        {
            t.Start();
        }
    }

    public void SetMode(PmdMode mode)
    {
        foreach (PmdThread t in _threads)
        {
            t.Mode = mode;
        }
    }

    /// <summary>Times one batch in <paramref name="interval"/> stage by stage (0: none); see <see cref="PmdContext.StageSampleInterval"/>.</summary>
    public void SetStageSampling(int interval)
    {
        foreach (PmdThread t in _threads)
        {
            t.Context.StageSampleInterval = interval;
        }
    }

    /// <summary>
    /// Waits until every running thread has finished an iteration that began after the caller published a snapshot,
    /// so none still uses anything the previous snapshot referenced. Gives up after <paramref name="timeout"/>.
    /// </summary>
    public bool WaitQuiescent(TimeSpan timeout)
    {
        long[] start = new long[_threads.Length];
        for (int i = 0; i < _threads.Length; i++)
        {
            start[i] = _threads[i].Iterations;
        }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < _threads.Length; i++)
        {
            // Two iterations: the one in flight at the publish may have read the old snapshot.
            while (_threads[i].IsRunning && _threads[i].Iterations < start[i] + 2)
            {
                if (clock.Elapsed > timeout)
                {
                    return false;
                }
                Thread.Sleep(1);
            }
        }
        return true;
    }

    public PmdThreadStats[] Stats()
    {
        var result = new PmdThreadStats[_threads.Length];
        GcCounts gc = GcCounts.Now() - _gcBase;
        for (int i = 0; i < _threads.Length; i++)
        {
            PmdThread t = _threads[i];
            PmdStats s = t.Context.Stats;
            var drops = new DropCounters();
            drops.AddFrom(s.Drops);
            result[i] = new PmdThreadStats(t.Index, t.Cpu, Volatile.Read(ref s.Packets), Volatile.Read(ref s.Batches), t.BusyMs,
                t.IdleMs, Volatile.Read(ref s.EmcHits), Volatile.Read(ref s.EmcMisses), Volatile.Read(ref s.ClassifierHits),
                Volatile.Read(ref s.Upcalls), drops)
            {
                AllocatedBytes = t.Allocations.SinceClear,
                AllocatedBytesSinceStart = t.Allocations.SinceStart,
                Sleeps = t.Sleeps,
                PoolBuffers = t.Context.Pool.Count,
                PoolBytes = (long)t.Context.Pool.SlabBytes,
                PoolBacking = HugePageSlabAllocator.Describe(t.Context.Pool.Backing),
                Collections = gc,
                Stages = Volatile.Read(ref s.SampledBatches) == 0 ? null : new PmdStageTimes(Volatile.Read(ref s.SampledBatches),
                    Volatile.Read(ref s.SampledPackets), Nanoseconds(Volatile.Read(ref s.RxTicks)), Nanoseconds(Volatile.Read(ref s.PipelineTicks)),
                    Nanoseconds(Volatile.Read(ref s.TxTicks)), Nanoseconds(Volatile.Read(ref s.CompleteTicks))),
            };
        }
        return result;
    }

    private static long Nanoseconds(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    /// <summary>Adds every thread's table lookup and match counters to the two spans.</summary>
    public void AddTableCounts(Span<long> lookups, Span<long> matches)
    {
        foreach (PmdThread t in _threads)
        {
            t.Context.Stats.AddTableCountsTo(lookups, matches);
        }
    }

    public void ClearStats()
    {
        _gcBase = GcCounts.Now();
        foreach (PmdThread t in _threads)
        {
            t.Context.Stats.Clear();
            t.ClearTimes();
        }
    }

    /// <summary>Each thread's queues in the current snapshot, with each queue's share of the thread's busy time.</summary>
    public PmdRxQueues[] RxqShow(DatapathConfig snapshot)
    {
        var result = new PmdRxQueues[_threads.Length];
        for (int i = 0; i < _threads.Length; i++)
        {
            PmdThread t = _threads[i];
            IReadOnlyList<RxqUsage> usage = t.Usage;
            long busy = Math.Max(1, usage.Sum(u => Volatile.Read(ref u.BusyTicks)));
            var queues = new List<PmdRxQueue>();
            for (int p = 0; p < snapshot.Ports.Count; p++)
            {
                DatapathPort port = snapshot.Ports[p];
                for (int q = 0; q < port.Port.RxQueueCount; q++)
                {
                    if (t.Owns(port.Port, q))
                    {
                        long ticks = usage.FirstOrDefault(u => ReferenceEquals(u.Port, port.Port) && u.Queue == q) is { } u
                            ? Volatile.Read(ref u.BusyTicks) : 0;
                        queues.Add(new PmdRxQueue(port.Port.Name, q, true, 100.0 * ticks / busy));
                    }
                }
            }
            result[i] = new PmdRxQueues(t.Index, t.Cpu, queues);
        }
        return result;
    }

    public void Dispose()
    {
        foreach (PmdThread t in _threads)
        {
            t.Stop();
        }
    }
}
