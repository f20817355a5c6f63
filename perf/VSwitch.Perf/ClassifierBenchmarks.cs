using BenchmarkDotNet.Attributes;
using VSwitch.Flows.Cache;
using VSwitch.Flows.Classifier;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Perf;

/// <summary>
/// Flow lookup per packet with 1, 100 and 10,000 wildcard flows (plus the default flow): the exact-match
/// cache hit path (hash + probe), the classifier alone, and the full miss path (hash, cache miss, classifier).
/// Each invocation handles <see cref="Batch"/> keys; results are per key.
/// </summary>
[MemoryDiagnoser]
public class ClassifierBenchmarks
{
    /// <summary>Keys per invocation.</summary>
    public const int Batch = 256;

    private TableClassifier _classifier = null!;
    private long _epoch;
    private ExactMatchCache _cache = null!;
    private FlowKey[] _keys = [];

    /// <summary>Wildcard flows in the table besides the default flow.</summary>
    [Params(1, 100, 10_000)]
    public int Rules { get; set; }

    /// <summary>Builds the table and classifier and fills the cache with every key.</summary>
    [GlobalSetup]
    public void Setup()
    {
        FlowTables table = FlowBenchmarkData.Table(Rules);
        _classifier = table.Build().Table(0)!;
        _epoch = table.Generation;
        _keys = FlowBenchmarkData.Keys(table, Batch);
        _cache = new ExactMatchCache();
        foreach (FlowKey k in _keys)
        {
            _cache.Insert(k, k.ComputeHash(), _epoch, _classifier.Lookup(k)!.Priority);
        }
    }

    /// <summary>Hash the key and find it in the exact-match cache.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int CacheHit()
    {
        int sum = 0;
        long generation = _epoch;
        FlowKey[] keys = _keys;
        for (int i = 0; i < keys.Length; i++)
        {
            if (_cache.TryLookup(keys[i], keys[i].ComputeHash(), generation, out int priority))
            {
                sum += priority;
            }
        }
        return sum;
    }

    /// <summary>Classifier lookup alone.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ClassifierLookup()
    {
        int sum = 0;
        FlowKey[] keys = _keys;
        for (int i = 0; i < keys.Length; i++)
        {
            sum += _classifier.Lookup(keys[i])?.Priority ?? 0;
        }
        return sum;
    }

    /// <summary>The miss path: hash, cache probe under a stale generation (always a miss), classifier lookup.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int MissPath()
    {
        int sum = 0;
        long stale = _epoch + 1;
        FlowKey[] keys = _keys;
        for (int i = 0; i < keys.Length; i++)
        {
            if (!_cache.TryLookup(keys[i], keys[i].ComputeHash(), stale, out int priority))
            {
                priority = _classifier.Lookup(keys[i])?.Priority ?? 0;
            }
            sum += priority;
        }
        return sum;
    }
}
