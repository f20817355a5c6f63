using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Datapath.Actions;
using VSwitch.Datapath.Capture;
using VSwitch.Flows.Cache;
using VSwitch.Flows.Classifier;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// The stages one received batch goes through on a datapath thread (OVS <c>dp_netdev_input__</c>): extract keys and
/// probe the exact-match cache, classify the misses, handle what no rule matched, then execute each flow's actions
/// into the transmit buffers. Design note: per-packet state lives in fixed arrays indexed like the batch (key,
/// hash, rule); a null rule after the upcall stage means the packet is already gone (freed and counted).
/// Ownership: <see cref="Process"/> takes every packet of the batch (queued for transmission or freed) and leaves
/// the batch empty. Owning datapath thread only; no allocation, no locks, no per-packet interface calls.
/// </summary>
internal sealed class Pipeline
{
    private readonly FlowKey[] _keys = new FlowKey[PacketBatch.Capacity];
    private readonly uint[] _hashes = new uint[PacketBatch.Capacity];
    private readonly FlowRule?[] _rules = new FlowRule?[PacketBatch.Capacity];
    private readonly int[] _lengths = new int[PacketBatch.Capacity];
    private readonly int[] _misses = new int[PacketBatch.Capacity];
    private readonly FlowBatches _flows = new();
    private readonly ExactMatchCache _cache;
    private readonly ActionExecutor _executor;
    private readonly PmdStats _stats;
    private readonly DropCapture _capture;
    private FlowRule? _uniformRule;
    private long _uniformBytes;

    public Pipeline(ExactMatchCache cache, ActionExecutor executor, PmdStats stats, DropCapture capture)
    {
        _cache = cache;
        _executor = executor;
        _stats = stats;
        _capture = capture;
    }

    /// <summary>Runs <paramref name="batch"/>, received on the port at <paramref name="inIndex"/> of <paramref name="config"/>, through every stage.</summary>
    public void Process(PacketBatch batch, DatapathConfig config, int inIndex, long nowMs)
    {
        MegaflowClassifier classifier = config.Classifier;
        ushort inPort = config.PortArray[inIndex].Id.Value;
        int misses = ExtractAndProbeCache(batch, inPort, classifier.Generation);
        if (misses != 0)
        {
            misses = ClassifyMisses(classifier, misses);
        }
        if (misses != 0)
        {
            HandleUpcalls(batch, misses);
        }
        _executor.BeginBatch(config, inIndex, nowMs);
        ExecuteFlowBatches(batch, nowMs);
        batch.Clear();
    }

    /// <summary>
    /// Drops runts, extracts each key and looks it up in the exact-match cache. Returns the number of misses.
    /// Notes whether every packet hit one and the same rule, the common case that needs no grouping: while it holds,
    /// the per-packet rule array is not written (a reference store costs a GC write barrier per packet); the first
    /// packet that breaks it fills in the ones before it.
    /// </summary>
    private int ExtractAndProbeCache(PacketBatch batch, ushort inPort, long generation)
    {
        int n = batch.Count;
        int misses = 0;
        int runts = 0;
        FlowRule? first = null;
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
                if (uniform)
                {
                    uniform = false;
                    FillRules(first, i);
                }
                _rules[i] = null;
                runts++;
                continue;
            }
            uint hash = key.ComputeHash();
            int length = packet.Length;
            _hashes[i] = hash;
            _lengths[i] = length;
            bytes += length;
            if (_cache.TryLookup(in key, hash, generation, out FlowRule? rule))
            {
                if (!uniform)
                {
                    _rules[i] = rule;
                }
                else if (first is null)
                {
                    first = rule;
                }
                else if (!ReferenceEquals(first, rule))
                {
                    uniform = false;
                    FillRules(first, i);
                    _rules[i] = rule;
                }
            }
            else
            {
                if (uniform)
                {
                    uniform = false;
                    FillRules(first, i);
                }
                _rules[i] = null;
                _misses[misses++] = i;
            }
        }
        _uniformRule = uniform ? first : null;
        _uniformBytes = bytes;
        _stats.Packets += n;
        _stats.Batches++;
        _stats.EmcMisses += misses;
        _stats.EmcHits += n - misses - runts;
        return misses;
    }

    /// <summary>The first <paramref name="count"/> packets all hit <paramref name="rule"/>; writes that down for the grouping.</summary>
    private void FillRules(FlowRule? rule, int count)
    {
        for (int j = 0; j < count; j++)
        {
            _rules[j] = rule;
        }
    }

    /// <summary>Looks the cache misses up in the classifier, caching each hit. Returns the misses left (kept first in the list).</summary>
    private int ClassifyMisses(MegaflowClassifier classifier, int misses)
    {
        int left = 0;
        for (int m = 0; m < misses; m++)
        {
            int i = _misses[m];
            FlowRule? rule = classifier.Lookup(in _keys[i]);
            if (rule is null)
            {
                _misses[left++] = i;
                continue;
            }
            _rules[i] = rule;
            _cache.Insert(in _keys[i], _hashes[i], classifier.Generation, rule);
        }
        _stats.ClassifierHits += misses - left;
        return left;
    }

    /// <summary>
    /// The slow path. The classifier holds the whole flow table, so a packet it cannot match has no rule at all:
    /// it is dropped as <see cref="DropReason.NoRule"/> (an empty table, or one without a catch-all flow).
    /// </summary>
    private void HandleUpcalls(PacketBatch batch, int misses)
    {
        for (int m = 0; m < misses; m++)
        {
            int i = _misses[m];
            _stats.Drops.Add(DropReason.NoRule);
            _capture.Record(batch[i], DropReason.NoRule);
            batch[i].Free();
        }
        _stats.Upcalls += misses;
    }

    /// <summary>Groups packets by rule, counts each group once on its rule, and executes the group's actions.</summary>
    private void ExecuteFlowBatches(PacketBatch batch, long nowMs)
    {
        if (_uniformRule is not null)
        {
            _flows.BuildSingle(batch.Count, _uniformRule, _uniformBytes);
            _uniformRule = null;
        }
        else
        {
            _flows.Build(batch.Count, _rules, _lengths);
        }
        for (int g = 0; g < _flows.Count; g++)
        {
            FlowRule rule = _flows.Rule(g);
            ReadOnlySpan<int> packets = _flows.Packets(g);
            rule.RecordHit(packets.Length, _flows.Bytes(g), nowMs);
            _executor.Execute(rule.Actions, batch, packets, _keys);
        }
        _flows.Clear();
    }
}
