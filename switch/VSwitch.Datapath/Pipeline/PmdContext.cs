using System.Diagnostics;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;
using VSwitch.Datapath.Actions;
using VSwitch.Datapath.Capture;
using VSwitch.Datapath.Controller;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Cache;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Translation;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// Everything one datapath ("PMD") thread owns: its clone pool, flow cache (exact-match and megaflows), translator,
/// receive batch, transmit buffers, packet-in ring, pipeline and counters. Thread rules: created by the control plane,
/// then used by exactly one thread; only <see cref="Stats"/>, the cache counters, <see cref="PacketIns"/> (its consumer
/// side) and <see cref="ThreadIndex"/> may be used elsewhere. The control plane keeps one more context of its own for
/// PACKET_OUTs (<see cref="InjectPacketOut"/>), used under its gate only.
/// Cost: nothing is allocated per packet or per batch; the transmit buffers grow only when a published snapshot has
/// more ports than any before.
/// </summary>
public sealed class PmdContext
{
    private readonly SwitchDatapath _datapath;
    private readonly IClock _clock;
    private readonly PacketBatch _rx = new();
    private readonly PacketBatch _split = new();
    private readonly TxBuffers _tx;
    private readonly Pipeline _pipeline;
    private readonly DropCapture _dropCapture;
    private readonly OffloadCaptureScratch _captureScratch;
    private readonly ActionExecutor _executor;
    private readonly FlowTranslator _translator = new();
    private int _stageInterval;
    private int _batchesUntilSample;
    private bool _sampleNext;

    internal PmdContext(SwitchDatapath datapath, int threadIndex, PacketPool pool, int emcEntries, int megaflows)
    {
        _datapath = datapath;
        _clock = datapath.Clock;
        ThreadIndex = threadIndex;
        Pool = pool;
        Cache = new FlowCache(emcEntries, megaflows);
        Stats = new PmdStats();
        PacketIns = new PacketInRing(signal: datapath.PacketInSignal);
        _captureScratch = new OffloadCaptureScratch();
        _tx = new TxBuffers(Stats, threadIndex, pool, _captureScratch);
        _dropCapture = new DropCapture(Stats.Drops);
        var output = new PacketOutput(_tx, pool, Stats.Drops, _dropCapture);
        _executor = new ActionExecutor(output, PacketIns);
        _pipeline = new Pipeline(Cache, _translator, _executor, Stats, _dropCapture);
    }

    /// <summary>The thread's index (0-based); it picks the transmit queue: <c>ThreadIndex % port.TxQueueCount</c>.</summary>
    public int ThreadIndex { get; }

    /// <summary>The pool clones (flood, multiple outputs) and software segments are copied into. Owned by this thread.</summary>
    public PacketPool Pool { get; }

    /// <summary>The thread's flow cache (exact-match cache and megaflows).</summary>
    public FlowCache Cache { get; }

    /// <summary>The thread's counters.</summary>
    public PmdStats Stats { get; }

    /// <summary>Packets this thread sends to the controllers; a control thread drains it.</summary>
    public PacketInRing PacketIns { get; }

    /// <summary>
    /// Stage timing: 0 (the default) times nothing; a power of two N times one non-empty batch in N stage by stage
    /// (receive, pipeline, transmit, receive completion; five clock reads) into the <see cref="PmdStats"/> sample
    /// counters. When off it costs one load and one branch per batch. Any thread may set it; the owning thread picks
    /// the change up at its next batch.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not a power of two.</exception>
    public int StageSampleInterval
    {
        get => Volatile.Read(ref _stageInterval);
        set
        {
            if (value < 0 || (value & (value - 1)) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "must be 0 or a power of two");
            }
            Volatile.Write(ref _stageInterval, value);
        }
    }

    /// <summary>
    /// One iteration on one receive queue: Receive → process → flush the transmit buffers → CompleteReceive
    /// (last, because received packets may be lent by the port and are valid only until then). Packets are processed as
    /// received on the port their <see cref="PacketBuffer.InPort"/> names: the polled port, or for a port that
    /// demultiplexes a shared socket (the tunnel ports of one UDP endpoint) another port, in which case the batch is
    /// split by in-port, keeping the order within each. Returns the number of packets received. Reads the clock only
    /// when a batch arrived. Owning thread only.
    /// </summary>
    public int PollOnce(IPort port, int rxQueue) => Poll(port, rxQueue, 0, clockRead: false);

    /// <summary>
    /// <see cref="PollOnce(IPort, int)"/> with the time already read: a loop over several queues reads the clock
    /// once for all of them (<paramref name="nowMs"/> from the datapath's <see cref="SwitchDatapath.Clock"/>).
    /// </summary>
    public int PollOnce(IPort port, int rxQueue, long nowMs) => Poll(port, rxQueue, nowMs, clockRead: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Poll(IPort port, int rxQueue, long nowMs, bool clockRead)
    {
        if (_sampleNext)
        {
            return PollSampled(port, rxQueue, nowMs, clockRead);
        }
        DatapathConfig config = _datapath.Current;
        int n = port.Receive(rxQueue, _rx);
        if (n != 0)
        {
            RunReceived(port.Id, config, clockRead ? nowMs : _clock.NowMilliseconds);
            _tx.Flush();
            port.CompleteReceive(rxQueue);
            if (_stageInterval != 0 && --_batchesUntilSample <= 0)
            {
                _sampleNext = true;
            }
        }
        Volatile.Write(ref Stats.Iterations, Stats.Iterations + 1);
        return n;
    }

    /// <summary>The same iteration with a timestamp between the stages; stays armed until a batch arrives.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int PollSampled(IPort port, int rxQueue, long nowMs, bool clockRead)
    {
        DatapathConfig config = _datapath.Current;
        long t0 = Stopwatch.GetTimestamp();
        int n = port.Receive(rxQueue, _rx);
        if (n != 0)
        {
            long t1 = Stopwatch.GetTimestamp();
            RunReceived(port.Id, config, clockRead ? nowMs : _clock.NowMilliseconds);
            long t2 = Stopwatch.GetTimestamp();
            _tx.Flush();
            long t3 = Stopwatch.GetTimestamp();
            port.CompleteReceive(rxQueue);
            long t4 = Stopwatch.GetTimestamp();
            PmdStats s = Stats;
            Volatile.Write(ref s.RxTicks, s.RxTicks + (t1 - t0));
            Volatile.Write(ref s.PipelineTicks, s.PipelineTicks + (t2 - t1));
            Volatile.Write(ref s.TxTicks, s.TxTicks + (t3 - t2));
            Volatile.Write(ref s.CompleteTicks, s.CompleteTicks + (t4 - t3));
            Volatile.Write(ref s.SampledPackets, s.SampledPackets + n);
            Volatile.Write(ref s.SampledBatches, s.SampledBatches + 1);
            _sampleNext = false;
            _batchesUntilSample = _stageInterval - 1;
        }
        Volatile.Write(ref Stats.Iterations, Stats.Iterations + 1);
        return n;
    }

    /// <summary>
    /// Processes <paramref name="batch"/> as if received on <paramref name="inPort"/> and flushes the transmit
    /// buffers. Takes ownership of every packet; the batch is empty on return. Owning thread only.
    /// </summary>
    public void Process(PacketBatch batch, PortId inPort)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count != 0)
        {
            Run(batch, inPort, _datapath.Current, _clock.NowMilliseconds);
            _tx.Flush();
        }
    }

    /// <summary>
    /// A PACKET_OUT: copies <paramref name="frame"/> into the context's pool and runs <paramref name="actions"/> on it
    /// as if it came in on <paramref name="inPort"/> (OpenFlow 1.0 numbering; <see cref="OpenFlowPort.Controller"/> for
    /// a packet from the controller itself), <see cref="FlowActionKind.Table"/> running the tables. Sends at once.
    /// Returns null when the packet was processed (each output counts its own drops), else why it could not be.
    /// Owning thread only (the control plane's context, under its gate).
    /// </summary>
    public DropReason? InjectPacketOut(ReadOnlySpan<byte> frame, ushort inPort, ReadOnlySpan<FlowAction> actions)
    {
        DatapathConfig config = _datapath.Current;
        if (!FlowKeyExtractor.TryExtract(frame, inPort, out FlowKey key))
        {
            return DropReason.RxRunt;
        }
        if (!Pool.TryRent(out PacketBuffer? packet))
        {
            return DropReason.PoolExhausted;
        }
        if (!packet.TryCopyFrom(frame))
        {
            packet.Free();
            return DropReason.PacketTooLarge;
        }
        packet.InPort = new PortId(inPort);
        if (!_translator.TranslateActions(config.Pipeline, in key, actions))
        {
            packet.Free();
            return DropReason.FlowTooComplex;
        }
        long now = _clock.NowMilliseconds;
        Pipeline.Credit(_translator.Credits, 1, frame.Length, now, Stats);
        _tx.Begin(config);
        _dropCapture.Taps = null;
        _executor.BeginBatch(config, config.IndexOf(inPort), inPort, now);
        _executor.ExecuteOnce(packet, in key, _translator.Ops, _translator.End);
        _tx.Flush();
        Stats.Packets++;
        return null;
    }

    /// <summary>Runs <c>_rx</c> as received on <paramref name="polled"/>, or split by in-port when a shared queue fed several ports.</summary>
    private void RunReceived(PortId polled, DatapathConfig config, long nowMs)
    {
        if (AllFrom(_rx, polled))
        {
            Run(_rx, polled, config, nowMs);
        }
        else
        {
            RunByInPort(config, nowMs);
        }
    }

    private static bool AllFrom(PacketBatch batch, PortId port)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch[i].InPort != port)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Runs the packets of <c>_rx</c> one in-port at a time (first come, first run), each group in its order.</summary>
    private void RunByInPort(DatapathConfig config, long nowMs)
    {
        while (_rx.Count != 0)
        {
            PortId inPort = _rx[0].InPort;
            int kept = 0;
            for (int i = 0; i < _rx.Count; i++)
            {
                PacketBuffer p = _rx[i];
                if (p.InPort == inPort)
                {
                    _split.TryAdd(p);
                }
                else
                {
                    _rx.Set(kept++, p);
                }
            }
            _rx.Truncate(kept);
            Run(_split, inPort, config, nowMs);
        }
    }

    /// <summary>Runs the pipeline over <paramref name="batch"/>; its output waits in the transmit buffers for <see cref="TxBuffers.Flush"/>.</summary>
    private void Run(PacketBatch batch, PortId inPort, DatapathConfig config, long nowMs)
    {
        int inIndex = config.IndexOf(inPort.Value);
        if (inIndex < 0)
        {
            Stats.Drops.Add(DropReason.NoSuchPort, batch.Count);
            batch.FreeAll();
            return;
        }
        _tx.Begin(config);
        // Captures: one volatile read and one branch per batch when none runs on the ingress port.
        CaptureTap[]? taps = config.PortArray[inIndex].Capture.Taps;
        _dropCapture.Taps = taps;
        if (taps is not null)
        {
            CaptureHooks.RecordBatch(taps, batch, CaptureKind.Rx, Stats.Drops, _captureScratch);
        }
        _pipeline.Process(batch, config, inIndex, nowMs);
    }
}
