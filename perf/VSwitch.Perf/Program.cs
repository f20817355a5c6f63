using BenchmarkDotNet.Running;

namespace VSwitch.Perf;

/// <summary>
/// Entry point: BenchmarkDotNet's switcher over every benchmark class in this assembly (pick with --filter), or with
/// the single argument <c>min</c> the quick minimum-time run of the hot-path cases (<see cref="MinTimeRunner"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["min"])
        {
            MinTimeRunner.Run();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
