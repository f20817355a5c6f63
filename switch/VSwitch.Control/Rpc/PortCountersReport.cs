using VSwitch.Core.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc;

/// <summary>
/// Turns a port's live <see cref="PortStats"/> into the port-stats message. Reads counters that datapath threads
/// write without locks, so a report may be one batch old. Control thread; allocates (fine off the hot path).
/// </summary>
public static class PortCountersReport
{
    /// <summary>The counters of a port, per queue for the first <paramref name="queueCount"/> queues when <paramref name="queues"/>.</summary>
    public static PortStatsInfo From(string name, int ofPort, PortStats stats, int queueCount, bool queues)
    {
        ArgumentNullException.ThrowIfNull(stats);
        TrafficCounters rx = Sum(stats.Rx);
        TrafficCounters tx = Sum(stats.Tx);
        QueueCounters[]? perQueue = null;
        if (queues)
        {
            int n = Math.Clamp(queueCount, 0, Math.Min(stats.Rx.Length, stats.Tx.Length));
            perQueue = new QueueCounters[n];
            for (int q = 0; q < n; q++)
            {
                perQueue[q] = new QueueCounters(q, Sum([stats.Rx[q]]), Sum([stats.Tx[q]]));
            }
        }
        return new PortStatsInfo(name, ofPort, rx, tx, perQueue);
    }

    /// <summary>Counters summed over <paramref name="queues"/>, drops by reason name (non-zero reasons only).</summary>
    public static TrafficCounters Sum(IReadOnlyList<QueueStats> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        long packets = 0, bytes = 0, errors = 0;
        var drops = new DropCounters();
        foreach (QueueStats q in queues)
        {
            packets += Volatile.Read(ref q.Packets);
            bytes += Volatile.Read(ref q.Bytes);
            errors += Volatile.Read(ref q.Errors);
            drops.AddFrom(q.Drops);
        }
        return new TrafficCounters(packets, bytes, errors, drops.Total, ByReason(drops));
    }

    /// <summary>Non-zero counters by reason name.</summary>
    public static Dictionary<string, long> ByReason(DropCounters drops)
    {
        ArgumentNullException.ThrowIfNull(drops);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var r = (DropReason)0; r < DropReason.Count; r++)
        {
            long n = drops[r];
            if (n != 0)
            {
                result[r.ToString()] = n;
            }
        }
        return result;
    }
}
