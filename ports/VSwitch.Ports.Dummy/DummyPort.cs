using System.Collections.Concurrent;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Ports.Dummy;

/// <summary>
/// An in-memory port (OVS netdev-dummy) for tests, benchmarks and frame injection.
/// Design note: each receive queue owns a <see cref="PacketPool"/> (like a NIC queue's mempool), used only
/// by the one datapath thread that polls that queue. A receive queue is fed either by <see cref="Inject"/>
/// (any thread; a lock-free queue of frame copies) or, in generator mode (<see cref="LoadGenerator"/>), by a
/// preloaded ring of frames replayed forever, which allocates nothing per packet. Transmitted packets are
/// counted in <see cref="Stats"/>, optionally copied into <see cref="TakeSent"/> (recording mode, for tests),
/// and freed. Senders that share a transmit queue are serialised by a <see cref="TxSpinLock"/> taken once per batch.
/// Received packets are always owned copies, so <see cref="CompleteReceive"/> has nothing to release.
/// </summary>
public sealed class DummyPort : IPort
{
    private readonly RxQueue[] _rx;
    private readonly TxSpinLock[] _txLocks;
    private readonly ConcurrentQueue<SentFrame> _sent = new();
    private volatile PortState _state = PortState.Up;

    /// <summary>
    /// Creates a port with <paramref name="rxQueues"/> receive and <paramref name="txQueues"/> transmit queues.
    /// Each receive queue gets a pool of <paramref name="poolSize"/> buffers of <paramref name="dataRoom"/> bytes.
    /// </summary>
    public DummyPort(PortId id, string name, int rxQueues = 1, int txQueues = 1, int poolSize = 256, int dataRoom = 2048)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rxQueues);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(txQueues);
        Id = id;
        Name = name;
        _rx = new RxQueue[rxQueues];
        for (int i = 0; i < rxQueues; i++)
        {
            _rx[i] = new RxQueue(new PacketPool(poolSize, dataRoom));
        }
        _txLocks = new TxSpinLock[txQueues];
        Stats = new PortStats(Math.Max(rxQueues, txQueues));
    }

    /// <inheritdoc/>
    public PortId Id { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int RxQueueCount => _rx.Length;

    /// <inheritdoc/>
    public int TxQueueCount => _txLocks.Length;

    /// <inheritdoc/>
    public PortState State => _state;

    /// <inheritdoc/>
    public PortStats Stats { get; }

    /// <summary>
    /// When true (the default) every transmitted frame is copied for <see cref="TakeSent"/>, which allocates;
    /// set false for benchmarks, where sending only counts and frees.
    /// </summary>
    public bool RecordSent { get; set; } = true;

    /// <summary>The pool that receive queue <paramref name="queue"/> rents from (for leak checks in tests).</summary>
    public PacketPool RxPool(int queue) => _rx[queue].Pool;

    /// <summary>Sets the link state. While not <see cref="PortState.Up"/>, sends are dropped as <see cref="DropReason.PortDown"/>.</summary>
    public void SetState(PortState state) => _state = state;

    /// <summary>Queues a copy of <paramref name="frame"/> for reception on <paramref name="queue"/>. Any thread.</summary>
    public void Inject(ReadOnlySpan<byte> frame, int queue = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)queue, (uint)_rx.Length, nameof(queue));
        _rx[queue].Injected.Enqueue(frame.ToArray());
    }

    /// <summary>
    /// Switches receive queue <paramref name="queue"/> to generator mode: from now on each <see cref="Receive"/>
    /// returns up to <paramref name="burst"/> packets copied from <paramref name="frames"/> in a ring, forever.
    /// Call before the queue is polled (control side); the frames are copied.
    /// </summary>
    public void LoadGenerator(IReadOnlyList<byte[]> frames, int queue = 0, int burst = PacketBatch.Capacity)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfZero(frames.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        var copies = new byte[frames.Count][];
        for (int i = 0; i < copies.Length; i++)
        {
            copies[i] = (byte[])frames[i].Clone();
        }
        RxQueue q = _rx[queue];
        q.Burst = Math.Min(burst, PacketBatch.Capacity);
        q.Generator = copies;
        q.Next = 0;
    }

    /// <summary>Leaves generator mode on <paramref name="queue"/>.</summary>
    public void StopGenerator(int queue = 0) => _rx[queue].Generator = null;

    /// <summary>Frames injected but not yet received on <paramref name="queue"/>.</summary>
    public int PendingRx(int queue = 0) => _rx[queue].Injected.Count;

    /// <summary>Removes and returns every frame recorded as sent so far, in send order (per queue). Any thread.</summary>
    public List<SentFrame> TakeSent()
    {
        var list = new List<SentFrame>();
        while (_sent.TryDequeue(out SentFrame f))
        {
            list.Add(f);
        }
        return list;
    }

    /// <summary>
    /// Appends received packets to <paramref name="batch"/>; see <see cref="IPort.Receive"/>. The packets are
    /// owned buffers of this queue's pool. Only the datapath thread that polls <paramref name="queue"/> calls this.
    /// </summary>
    public int Receive(int queue, PacketBatch batch)
    {
        if ((uint)queue >= (uint)_rx.Length || _state != PortState.Up)
        {
            return 0;
        }
        RxQueue q = _rx[queue];
        byte[][]? generator = q.Generator;
        return generator is null ? ReceiveInjected(queue, q, batch) : ReceiveGenerated(queue, q, generator, batch);
    }

    /// <inheritdoc/>
    public void CompleteReceive(int queue)
    {
    }

    /// <summary>
    /// Counts, optionally records, and frees every packet of <paramref name="batch"/>; see <see cref="IPort.Send"/>.
    /// Takes ownership of all packets; the batch is empty on return.
    /// </summary>
    public void Send(int queue, PacketBatch batch)
    {
        if ((uint)queue >= (uint)_txLocks.Length)
        {
            Stats.Tx[0].Drops.Add(DropReason.NoSuchPort, batch.Count);
            batch.FreeAll();
            return;
        }
        QueueStats stats = Stats.Tx[queue];
        if (_state != PortState.Up)
        {
            stats.Drops.Add(DropReason.PortDown, batch.Count);
            batch.FreeAll();
            return;
        }
        _txLocks[queue].Enter();
        long bytes = 0;
        bool record = RecordSent;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer p = batch[i];
            bytes += p.Length;
            if (record)
            {
                _sent.Enqueue(new SentFrame(queue, p.Span.ToArray()));
            }
        }
        stats.Packets += batch.Count;
        stats.Bytes += bytes;
        _txLocks[queue].Exit();
        batch.FreeAll();
    }

    private int ReceiveInjected(int queue, RxQueue q, PacketBatch batch)
    {
        QueueStats stats = Stats.Rx[queue];
        int n = 0;
        while (!batch.IsFull && q.Injected.TryDequeue(out byte[]? frame))
        {
            if (!q.Pool.TryRent(out PacketBuffer? p))
            {
                stats.Drops.Add(DropReason.PoolExhausted);
                continue;
            }
            if (!p.TryCopyFrom(frame))
            {
                p.Free();
                stats.Drops.Add(DropReason.PacketTooLarge);
                continue;
            }
            p.InPort = Id;
            batch.TryAdd(p);
            stats.Packets++;
            stats.Bytes += frame.Length;
            n++;
        }
        return n;
    }

    private int ReceiveGenerated(int queue, RxQueue q, byte[][] frames, PacketBatch batch)
    {
        QueueStats stats = Stats.Rx[queue];
        int want = Math.Min(q.Burst, batch.Free);
        int next = q.Next;
        int n = 0;
        long bytes = 0;
        for (; n < want; n++)
        {
            if (!q.Pool.TryRent(out PacketBuffer? p))
            {
                stats.Drops.Add(DropReason.PoolExhausted);
                break;
            }
            byte[] frame = frames[next];
            if (!p.TryCopyFrom(frame))
            {
                p.Free();
                stats.Drops.Add(DropReason.PacketTooLarge);
                break;
            }
            next = next + 1 == frames.Length ? 0 : next + 1;
            p.InPort = Id;
            batch.TryAdd(p);
            bytes += frame.Length;
        }
        q.Next = next;
        stats.Packets += n;
        stats.Bytes += bytes;
        return n;
    }

    private sealed class RxQueue(PacketPool pool)
    {
        public PacketPool Pool { get; } = pool;

        public ConcurrentQueue<byte[]> Injected { get; } = new();

        public volatile byte[][]? Generator;

        public int Burst = PacketBatch.Capacity;

        public int Next;
    }
}
