using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;
using VSwitch.Datapath.Actions;
using VSwitch.Datapath.Capture;
using VSwitch.Flows.Cache;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// Everything one datapath ("PMD") thread owns: its clone pool, exact-match cache, receive batch, transmit
/// buffers, pipeline and counters. Thread rules: created by the control plane, then used by exactly one thread;
/// only <see cref="Stats"/>, <see cref="Cache"/> counters and <see cref="ThreadIndex"/> may be read elsewhere.
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

    internal PmdContext(SwitchDatapath datapath, int threadIndex, PacketPool pool, int emcEntries)
    {
        _datapath = datapath;
        _clock = datapath.Clock;
        ThreadIndex = threadIndex;
        Pool = pool;
        Cache = new ExactMatchCache(emcEntries);
        Stats = new PmdStats();
        _tx = new TxBuffers(Stats, threadIndex);
        _dropCapture = new DropCapture(Stats.Drops);
        var output = new PacketOutput(_tx, pool, Stats.Drops, _dropCapture);
        _pipeline = new Pipeline(Cache, new ActionExecutor(output), Stats, _dropCapture);
    }

    /// <summary>The thread's index (0-based); it picks the transmit queue: <c>ThreadIndex % port.TxQueueCount</c>.</summary>
    public int ThreadIndex { get; }

    /// <summary>The pool clones (flood, multiple outputs) are copied into. Owned by this thread.</summary>
    public PacketPool Pool { get; }

    /// <summary>The thread's exact-match cache.</summary>
    public ExactMatchCache Cache { get; }

    /// <summary>The thread's counters.</summary>
    public PmdStats Stats { get; }

    /// <summary>
    /// One iteration on one receive queue: Receive → process → flush the transmit buffers → CompleteReceive
    /// (last, because received packets may be lent by the port and are valid only until then). Packets are processed as
    /// received on the port their <see cref="PacketBuffer.InPort"/> names: the polled port, or for a port that
    /// demultiplexes a shared socket (the tunnel ports of one UDP endpoint) another port, in which case the batch is
    /// split by in-port, keeping the order within each. Returns the number of packets received. Owning thread only.
    /// </summary>
    public int PollOnce(IPort port, int rxQueue)
    {
        DatapathConfig config = _datapath.Current;
        int n = port.Receive(rxQueue, _rx);
        if (n != 0)
        {
            if (AllFrom(_rx, port.Id))
            {
                Run(_rx, port.Id, config);
            }
            else
            {
                RunByInPort(config);
            }
            port.CompleteReceive(rxQueue);
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
            Run(batch, inPort, _datapath.Current);
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
    private void RunByInPort(DatapathConfig config)
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
            Run(_split, inPort, config);
        }
    }

    private void Run(PacketBatch batch, PortId inPort, DatapathConfig config)
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
            CaptureHooks.RecordBatch(taps, batch, CaptureKind.Rx, Stats.Drops);
        }
        _pipeline.Process(batch, config, inIndex, _clock.NowMilliseconds);
        _tx.Flush();
    }
}
