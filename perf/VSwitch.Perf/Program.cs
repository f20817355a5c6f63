using BenchmarkDotNet.Running;

namespace VSwitch.Perf;

/// <summary>Entry point: BenchmarkDotNet's switcher over every benchmark class in this assembly (pick with --filter).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
