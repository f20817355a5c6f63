using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace VSwitch.Perf;

/// <summary>
/// A quick figure for a busy shared machine (<c>VSwitch.Perf min</c>): runs each hot-path benchmark in process, after
/// a long warm-up (so tiered compilation has finished), as 4,000 short samples of 20 invocations, and prints the
/// minimum, 10th percentile and median per packet. A sample is far shorter than a scheduler time slice, so the
/// minimum is a run that nobody interrupted: stable under load where BenchmarkDotNet's means are not. Use it to
/// compare two builds on the same machine; use BenchmarkDotNet for published figures and allocation checks.
/// </summary>
public static class MinTimeRunner
{
    private const int Samples = 4000;
    private const int InvocationsPerSample = 20;

    private static string? s_filter;

    /// <summary>Runs every case (or those whose name contains <paramref name="filter"/>) and prints one line each.</summary>
    public static void Run(string? filter = null)
    {
        s_filter = filter;
        Case(new VirtioRxBenchmark { FrameSize = 64, ZeroCopy = false }, "virtio rx copy 64");
        Case(new VirtioRxBenchmark { FrameSize = 64, ZeroCopy = true }, "virtio rx zero-copy 64");
        Case(new VirtioRxBenchmark { FrameSize = 1518, ZeroCopy = false }, "virtio rx copy 1518");
        Case(new VirtioRxBenchmark { FrameSize = 1518, ZeroCopy = true }, "virtio rx zero-copy 1518");
        Case(new VirtioTxBenchmark { FrameSize = 64, Mergeable = false }, "virtio tx 64");
        Case(new VirtioTxBenchmark { FrameSize = 64, Mergeable = true }, "virtio tx mergeable 64");
        Case(new VirtioTxBenchmark { FrameSize = 1518, Mergeable = false }, "virtio tx 1518");
        Case(new VirtioTxBenchmark { FrameSize = 1518, Mergeable = true }, "virtio tx mergeable 1518");
        Case(new PackedRxBenchmark { FrameSize = 64, ZeroCopy = false }, "virtio packed rx copy 64");
        Case(new PackedRxBenchmark { FrameSize = 64, ZeroCopy = true }, "virtio packed rx zero-copy 64");
        Case(new PackedTxBenchmark { FrameSize = 64 }, "virtio packed tx 64");
        Case(new VhostUserPortBenchmarks { FrameSize = 64, Interrupts = false }, "vhost-user rx 64", nameof(VhostUserPortBenchmarks.Receive));
        Case(new VhostUserPortBenchmarks { FrameSize = 64, Interrupts = false }, "vhost-user tx 64", nameof(VhostUserPortBenchmarks.Send));
        Case(new VhostUserPortBenchmarks { FrameSize = 64, Interrupts = true }, "vhost-user rx 64 + call", nameof(VhostUserPortBenchmarks.Receive));
        Case(new VhostUserPortBenchmarks { FrameSize = 64, Interrupts = true }, "vhost-user tx 64 + call", nameof(VhostUserPortBenchmarks.Send));
        foreach (int size in new[] { 64, 1518 })
        {
            foreach (DirtyLogBenchmarks.LogMode log in Enum.GetValues<DirtyLogBenchmarks.LogMode>())
            {
                string mode = log.ToString().ToLowerInvariant();
                Case(new DirtyLogBenchmarks { FrameSize = size, Log = log }, $"vhost-user log {mode} guest-rx {size}", nameof(DirtyLogBenchmarks.GuestReceive));
                Case(new DirtyLogBenchmarks { FrameSize = size, Log = log }, $"vhost-user log {mode} guest-tx {size}", nameof(DirtyLogBenchmarks.GuestTransmit));
            }
        }
        Case(new PipelineBenchmarks { Ports = 2, Mode = PipelineBenchmarks.Forwarding.Normal }, "pipeline NORMAL 2");
        Case(new PipelineBenchmarks { Ports = 2, Mode = PipelineBenchmarks.Forwarding.Output }, "pipeline output 2");
        Case(new PipelineBenchmarks { Ports = 2, Mode = PipelineBenchmarks.Forwarding.ThreeTables }, "pipeline 3 tables 2");
        if (OperatingSystem.IsLinux())
        {
            Case(new PmdIterationBenchmarks { FrameSize = 64 }, "pmd iteration 64");
        }
        Case(new VxlanSendBenchmarks { FrameSize = 64, Flows = 1 }, "vxlan send 64, 1 flow");
        Case(new VxlanSendBenchmarks { FrameSize = 64, Flows = 32 }, "vxlan send 64, 32 flows");
        Case(new VxlanSendBenchmarks { FrameSize = 1400, Flows = 32 }, "vxlan send 1400, 32 flows");
        Case(new FlowKeyExtractionBenchmarks(), "key extraction + hash, mix", nameof(FlowKeyExtractionBenchmarks.ExtractAndHashMix));
        Case(new ClockBenchmarks(), "clock read, timestamp", nameof(ClockBenchmarks.Timestamp));
        Case(new ClockBenchmarks(), "clock read, milliseconds", nameof(ClockBenchmarks.Milliseconds));
    }

    private static void Case(object benchmark, string name, string? methodName = null)
    {
        if (s_filter is not null && !name.Contains(s_filter, StringComparison.Ordinal))
        {
            return;
        }
        Type type = benchmark.GetType();
        foreach (MethodInfo setup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() != null))
        {
            setup.Invoke(benchmark, null);
        }
        MethodInfo method = methodName is null
            ? type.GetMethods().First(m => m.GetCustomAttribute<BenchmarkAttribute>() != null)
            : type.GetMethod(methodName)!;
        int operations = method.GetCustomAttribute<BenchmarkAttribute>()!.OperationsPerInvoke;
        Action invoke = Bind(benchmark, method);
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 20_000; i++)
            {
                invoke();
            }
            Thread.Sleep(100);   // lets the background compiler finish the next tier
        }
        var perPacket = new double[Samples];
        for (int s = 0; s < Samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < InvocationsPerSample; i++)
            {
                invoke();
            }
            long ticks = Stopwatch.GetTimestamp() - start;
            perPacket[s] = ticks * 1e9 / Stopwatch.Frequency / (InvocationsPerSample * operations);
        }
        foreach (MethodInfo cleanup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalCleanupAttribute>() != null))
        {
            cleanup.Invoke(benchmark, null);
        }
        Array.Sort(perPacket);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-34} min {perPacket[0],7:F1}  p10 {perPacket[Samples / 10],7:F1}  median {perPacket[Samples / 2],7:F1} ns/packet"));
    }

    private static Action Bind(object benchmark, MethodInfo method)
    {
        MethodInfo bind = typeof(MinTimeRunner).GetMethod(nameof(BindTyped), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(method.ReturnType);
        return (Action)bind.Invoke(null, [benchmark, method])!;
    }

    private static Action BindTyped<T>(object benchmark, MethodInfo method)
    {
        var call = method.CreateDelegate<Func<T>>(benchmark);
        return () => call();
    }
}
