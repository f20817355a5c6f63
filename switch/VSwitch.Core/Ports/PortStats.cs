namespace VSwitch.Core.Ports;

/// <summary>
/// Per-queue counters of a port, fixed at the port's maximum queue count so that nothing is allocated
/// when the peer changes the number of queues in use. See <see cref="QueueStats"/> for threading.
/// </summary>
public sealed class PortStats
{
    /// <summary>Creates counters for up to <paramref name="maxQueues"/> queues in each direction.</summary>
    public PortStats(int maxQueues)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxQueues);
        Rx = new QueueStats[maxQueues];
        Tx = new QueueStats[maxQueues];
        for (int i = 0; i < maxQueues; i++)
        {
            Rx[i] = new QueueStats();
            Tx[i] = new QueueStats();
        }
    }

    /// <summary>Receive-side counters (packets that entered the switch from the port), by queue.</summary>
    public QueueStats[] Rx { get; }

    /// <summary>Transmit-side counters (packets the switch sent to the port), by queue.</summary>
    public QueueStats[] Tx { get; }

    /// <summary>Sum of the receive packet counters.</summary>
    public long RxPackets => Sum(Rx, static q => q.Packets);

    /// <summary>Sum of the transmit packet counters.</summary>
    public long TxPackets => Sum(Tx, static q => q.Packets);

    /// <summary>Sum of the receive byte counters.</summary>
    public long RxBytes => Sum(Rx, static q => q.Bytes);

    /// <summary>Sum of the transmit byte counters.</summary>
    public long TxBytes => Sum(Tx, static q => q.Bytes);

    /// <summary>Zeroes all counters.</summary>
    public void Clear()
    {
        foreach (var q in Rx)
        {
            q.Clear();
        }
        foreach (var q in Tx)
        {
            q.Clear();
        }
    }

    private static long Sum(QueueStats[] queues, Func<QueueStats, long> field)
    {
        long total = 0;
        foreach (var q in queues)
        {
            total += field(q);
        }
        return total;
    }
}
