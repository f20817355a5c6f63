using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Actions;
using VSwitch.Datapath.Capture;
using VSwitch.Flows.Cache;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Translation;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// The stages one received batch goes through on a datapath thread (OVS <c>dp_netdev_input__</c>): extract keys and
/// probe the exact-match cache, look the misses up in the megaflows, translate what is still unknown through the
/// OpenFlow tables (the upcall) and cache the result, then execute each flow's datapath ops into the transmit buffers.
/// Design note: per-packet state lives in fixed arrays indexed like the batch (key, hash, flow); a negative flow after
/// the upcall stage means the packet is already gone (freed and counted). However many tables a packet walks, once its
/// flow is cached it costs one exact-match (or megaflow) lookup and its folded ops.
/// Ownership: <see cref="Process"/> takes every packet of the batch (queued for transmission or freed) and leaves
/// the batch empty. Owning datapath thread only; no allocation, no locks, no per-packet interface calls.
/// </summary>
internal sealed class Pipeline
{
    private readonly FlowKey[] _keys = new FlowKey[PacketBatch.Capacity];
    private readonly uint[] _hashes = new uint[PacketBatch.Capacity];
    private readonly int[] _flowIds = new int[PacketBatch.Capacity];
    private readonly int[] _lengths = new int[PacketBatch.Capacity];
    private readonly int[] _misses = new int[PacketBatch.Capacity];
    private readonly FlowBatches _flows = new();
    private readonly FlowCache _cache;
    private readonly FlowTranslator _translator;
    private readonly ActionExecutor _executor;
    private readonly PmdStats _stats;
    private readonly DropCapture _capture;
    private int _uniformFlow;
    private long _uniformBytes;

    public Pipeline(FlowCache cache, FlowTranslator translator, ActionExecutor executor, PmdStats stats, DropCapture capture)
    {
        _cache = cache;
        _translator = translator;
        _executor = executor;
        _stats = stats;
        _capture = capture;
    }

    /// <summary>Runs <paramref name="batch"/>, received on the port at <paramref name="inIndex"/> of <paramref name="config"/>, through every stage.</summary>
    public void Process(PacketBatch batch, DatapathConfig config, int inIndex, long nowMs)
    {
        FlowPipeline pipeline = config.Pipeline;
        ushort inPort = config.PortArray[inIndex].Id.Value;
        _cache.BeginBatch(pipeline);
        int misses = ExtractAndProbeCache(batch, inPort);
        if (misses != 0)
        {
            misses = ClassifyMisses(misses);
        }
        if (misses != 0)
        {
            HandleUpcalls(batch, pipeline, misses);
        }
        _executor.BeginBatch(config, inIndex, inPort, nowMs);
        ExecuteFlowBatches(batch, nowMs);
        batch.Clear();
    }

    /// <summary>
    /// Drops runts, extracts each key and looks it up in the exact-match cache. Returns the number of misses.
    /// Notes whether every packet hit one and the same flow, the common case that needs no grouping.
    /// </summary>
    private int ExtractAndProbeCache(PacketBatch batch, ushort inPort)
    {
        int n = batch.Count;
        int misses = 0;
        int runts = 0;
        int first = -1;
        bool uniform = true;
        long bytes = 0;
        for (int i = 0; i < n; i++)
        {
            PacketBuffer packet = batch[i];
            ref FlowKey key = ref _keys[i];
            if (!FlowKeyExtractor.TryExtract(packet.Span, inPort, out key))
            {
                _stats.Drops.Add(DropReason.RxRunt);
                _capture.Record(packet, DropReason.RxRunt);
                packet.Free();
                _flowIds[i] = -1;
                runts++;
                continue;
            }
            // Tunnel metadata (zero unless a tunnel port received the packet): two word copies, matched like any field.
            ref PacketTunnel tunnel = ref packet.Tunnel;
            key.TunId = tunnel.Id;
            key.TunSrc = tunnel.Source;
            key.TunDst = tunnel.Destination;
            uint hash = key.ComputeHash();
            int length = packet.Length;
            _hashes[i] = hash;
            _lengths[i] = length;
            bytes += length;
            if (_cache.TryLookupExact(in key, hash, out int flow))
            {
                _flowIds[i] = flow;
                if (first < 0)
                {
                    first = flow;
                }
                uniform &= first == flow;
            }
            else
            {
                _flowIds[i] = -1;
                _misses[misses++] = i;
            }
        }
        _uniformFlow = uniform && misses == 0 && runts == 0 ? first : -1;
        _uniformBytes = bytes;
        _stats.Packets += n;
        _stats.Batches++;
        _stats.EmcMisses += misses;
        _stats.EmcHits += n - misses - runts;
        return misses;
    }

    /// <summary>Looks the exact-match misses up in the megaflows. Returns the misses left (kept first in the list).</summary>
    private int ClassifyMisses(int misses)
    {
        int left = 0;
        for (int m = 0; m < misses; m++)
        {
            int i = _misses[m];
            if (_cache.TryLookupMegaflow(in _keys[i], _hashes[i], out int flow))
            {
                _flowIds[i] = flow;
            }
            else
            {
                _misses[left++] = i;
            }
        }
        _stats.ClassifierHits += misses - left;
        return left;
    }

    /// <summary>
    /// The slow path: translates each remaining packet through the OpenFlow tables and caches the result as a megaflow.
    /// A later packet of the batch that falls in a flow installed here finds it first. A translation too large to hold
    /// drops its packet as <see cref="DropReason.FlowTooComplex"/>.
    /// </summary>
    private void HandleUpcalls(PacketBatch batch, FlowPipeline pipeline, int misses)
    {
        for (int m = 0; m < misses; m++)
        {
            int i = _misses[m];
            if (_cache.TryLookupMegaflow(in _keys[i], _hashes[i], out int flow))
            {
                _flowIds[i] = flow;
                continue;
            }
            _stats.Upcalls++;
            if (!_translator.Translate(pipeline, in _keys[i]))
            {
                _stats.Drops.Add(DropReason.FlowTooComplex);
                _capture.Record(batch[i], DropReason.FlowTooComplex);
                batch[i].Free();
                continue;
            }
            _flowIds[i] = _cache.Install(in _keys[i], _hashes[i], _translator);
        }
    }

    /// <summary>Groups packets by flow, counts each group once on everything its flow credits, and executes its ops.</summary>
    private void ExecuteFlowBatches(PacketBatch batch, long nowMs)
    {
        if (_uniformFlow >= 0)
        {
            _flows.BuildSingle(batch.Count, _uniformFlow, _uniformBytes);
        }
        else
        {
            _flows.Build(batch.Count, _flowIds, _lengths);
        }
        for (int g = 0; g < _flows.Count; g++)
        {
            int flow = _flows.Flow(g);
            ReadOnlySpan<int> packets = _flows.Packets(g);
            Credit(_cache.Credits(flow), packets.Length, _flows.Bytes(g), nowMs);
            _executor.Execute(in _cache.Flow(flow), _cache.Ops(flow), batch, packets, _keys);
        }
        _flows.Clear();
    }

    /// <summary>Adds a group of packets to what their flow credits: shared flow and group counters, this thread's table counters.</summary>
    internal static void Credit(ReadOnlySpan<FlowCredit> credits, int packets, long bytes, long nowMs, PmdStats stats)
    {
        foreach (FlowCredit c in credits)
        {
            if (c.Counters is { } counters)
            {
                counters.Record(packets, bytes, nowMs);
            }
            else
            {
                stats.TableLookups[c.TableId] += packets;
                if (c.Matched)
                {
                    stats.TableMatches[c.TableId] += packets;
                }
            }
        }
    }

    private void Credit(ReadOnlySpan<FlowCredit> credits, int packets, long bytes, long nowMs) => Credit(credits, packets, bytes, nowMs, _stats);
}
