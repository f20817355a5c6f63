using BenchmarkDotNet.Running;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Memory;
using VSwitch.Core.Packets;
using VSwitch.Native;

namespace VSwitch.Perf;

/// <summary>
/// Entry point: BenchmarkDotNet's switcher over every benchmark class in this assembly (pick with --filter), or with
/// the argument <c>min</c> the quick minimum-time run of the hot-path cases (<see cref="MinTimeRunner"/>; a second
/// argument keeps only the cases whose name contains it, e.g. <c>min vhost-user</c>). The <c>min</c> run puts its
/// packet pools where vswitchd would by default (transparent huge pages for pools of 2 MiB and more); the environment
/// variable <c>VSWITCH_PERF_POOL_HUGEPAGES</c> = thp, hugetlb or off picks another policy, as vswitchd's
/// <c>--pool-hugepages</c> does.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["min", ..])
        {
            HugePagePolicy policy = Environment.GetEnvironmentVariable("VSWITCH_PERF_POOL_HUGEPAGES") switch
            {
                "hugetlb" => HugePagePolicy.HugeTlb,
                "off" => HugePagePolicy.Off,
                _ => HugePagePolicy.TransparentHugePages,
            };
            PacketSlabAllocator.Default = new HugePageSlabAllocator(policy, NullLogger.Instance);
            Console.Error.WriteLine($"packet pools: {HugePageSlabAllocator.Describe(policy)} (pools under 2 MiB stay on the heap)");
            MinTimeRunner.Run(args.Length > 1 ? args[1] : null);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
