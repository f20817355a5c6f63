namespace VSwitch.Flows.Rules;

/// <summary>
/// Packet and byte counters with the time of the last hit: one per flow, per group and per group bucket. Shared by
/// every version of the thing it counts (<c>mod-flows</c> makes a new <see cref="FlowRule"/> with the same counters,
/// so hits recorded on the old object during the switch-over are not lost). Thread rules: datapath threads add with
/// <see cref="Record"/> (Interlocked adds, a plain store for the time); the control thread reads, values may lag by a batch.
/// </summary>
public sealed class HitCounters
{
    private long _packets;
    private long _bytes;
    private long _lastUsedMs;

    /// <summary>Counters at zero, last used at <paramref name="nowMs"/>.</summary>
    public HitCounters(long nowMs = 0) => _lastUsedMs = nowMs;

    /// <summary>Packets counted.</summary>
    public long Packets => Volatile.Read(ref _packets);

    /// <summary>Bytes counted.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Clock time (ms) of the last hit, or the creation time when none.</summary>
    public long LastUsedMs => Volatile.Read(ref _lastUsedMs);

    /// <summary>Adds a batch of hits. Any thread; no allocation, no lock.</summary>
    public void Record(int packets, long bytes, long nowMs)
    {
        Interlocked.Add(ref _packets, packets);
        Interlocked.Add(ref _bytes, bytes);
        Volatile.Write(ref _lastUsedMs, nowMs);
    }

    /// <summary>A fresh set of counters that starts from this one's values (an ADD replacing a flow keeps its counts).</summary>
    internal HitCounters CopyAt(long nowMs)
    {
        var copy = new HitCounters(nowMs);
        copy._packets = Packets;
        copy._bytes = Bytes;
        return copy;
    }
}
