using BenchmarkDotNet.Running;

namespace VSwitch.Perf;

/// <summary>
/// Entry point: BenchmarkDotNet's switcher over every benchmark class in this assembly (pick with --filter), or with
/// the argument <c>min</c> the quick minimum-time run of the hot-path cases (<see cref="MinTimeRunner"/>; a second
/// argument keeps only the cases whose name contains it, e.g. <c>min vhost-user</c>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["min", ..])
        {
            MinTimeRunner.Run(args.Length > 1 ? args[1] : null);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
