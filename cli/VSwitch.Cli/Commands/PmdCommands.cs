using System.CommandLine;
using System.Globalization;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>pmd-stats, pmd-stats-clear and pmd-rxq-show.</summary>
internal static class PmdCommands
{
    public static Command PmdStats(GlobalOptions g)
    {
        var command = new Command("pmd-stats", "Show datapath thread counters: packets, batches, busy/idle time, sleeps, cache hits, upcalls, bytes allocated, GCs, packet pool memory");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.PmdStats, () => null,
            (result, output) =>
            {
                foreach (PmdStatsInfo t in RpcClient.ReadResult(result, RpcJsonContext.Default.PmdStatsResult).Threads)
                {
                    long total = t.BusyMs + t.IdleMs;
                    output.WriteLine($"pmd thread {Num(t.Thread)} (cpu {(t.Cpu is int c ? Num(c) : "any")}):");
                    output.WriteLine($"  packets received: {Num(t.Packets)}");
                    output.WriteLine($"  batches: {Num(t.Batches)}  avg. packets per batch: {t.AvgBatchSize.ToString("F2", CultureInfo.InvariantCulture)}");
                    output.WriteLine($"  exact-match cache hits: {Num(t.CacheHits)}  misses: {Num(t.CacheMisses)}");
                    output.WriteLine($"  classifier hits: {Num(t.ClassifierHits)}  upcalls: {Num(t.Upcalls)}");
                    output.WriteLine($"  busy: {Num(t.BusyMs)} ms ({Percent(t.BusyMs, total)})  idle: {Num(t.IdleMs)} ms ({Percent(t.IdleMs, total)})  sleeps: {Num(t.Sleeps)}");
                    output.WriteLine($"  allocated on this thread: {Num(t.AllocatedBytes)} bytes  (since start: {Num(t.AllocatedBytesSinceStart)} bytes)");
                    output.WriteLine($"  gc collections (process): gen0 {Num(t.GcGen0)}  gen1 {Num(t.GcGen1)}  gen2 {Num(t.GcGen2)}");
                    if (t.Stages is { } s)
                    {
                        string busy = t.Packets == 0 ? "-" : Ns(t.BusyMs * 1e6 / t.Packets);
                        output.WriteLine($"  stages ({Num(s.SampledBatches)} batches, {Num(s.SampledPackets)} packets timed), ns/packet: rx {Ns(s.RxNsPerPacket)}"
                            + $"  pipeline {Ns(s.PipelineNsPerPacket)}  tx {Ns(s.TxNsPerPacket)}  rx-complete {Ns(s.CompleteNsPerPacket)}"
                            + $"  sum {Ns(s.RxNsPerPacket + s.PipelineNsPerPacket + s.TxNsPerPacket + s.CompleteNsPerPacket)}  (busy time per packet: {busy})");
                    }
                    if (t.PoolBacking is string backing)
                    {
                        output.WriteLine($"  packet pool: {Num(t.PoolBuffers)} buffers, {(t.PoolBytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)} MiB in {backing}");
                    }
                    if (t.DropsByReason.Count > 0)
                    {
                        output.WriteLine("  drops: " + string.Join(", ",
                            t.DropsByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={Num(kv.Value)}")));
                    }
                }
            }, ct));
        return command;
    }

    public static Command PmdStatsClear(GlobalOptions g)
    {
        var command = new Command("pmd-stats-clear", "Zero the datapath thread counters");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.PmdStatsClear, () => null, null, ct));
        return command;
    }

    public static Command PmdRxqShow(GlobalOptions g)
    {
        var command = new Command("pmd-rxq-show", "Show which receive queues each datapath thread polls, with usage");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.PmdRxqShow, () => null,
            (result, output) =>
            {
                foreach (PmdRxqInfo t in RpcClient.ReadResult(result, RpcJsonContext.Default.PmdRxqResult).Threads)
                {
                    output.WriteLine($"pmd thread {Num(t.Thread)} (cpu {(t.Cpu is int c ? Num(c) : "any")}):");
                    foreach (RxqInfo q in t.Queues)
                    {
                        output.WriteLine($"  port: {q.Port,-16} queue-id: {Num(q.Queue),2} ({(q.Enabled ? "enabled" : "disabled")})  pmd usage: {q.UsagePercent.ToString("F0", CultureInfo.InvariantCulture),3} %");
                    }
                }
            }, ct));
        return command;
    }

    private static string Percent(long part, long total) =>
        total == 0 ? "0 %" : (100.0 * part / total).ToString("F1", CultureInfo.InvariantCulture) + " %";

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ns(double ns) => ns.ToString("F1", CultureInfo.InvariantCulture);
}
