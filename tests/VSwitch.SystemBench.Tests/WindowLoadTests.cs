using Xunit;

namespace VSwitch.SystemBench.Tests;

public sealed class WindowLoadTests
{
    private const string ProcStat = """
        cpu  1000 20 300 5000 40 5 6 70 0 0
        cpu0 500 10 150 2500 20 2 3 30 0 0
        cpu1 500 10 150 2500 20 3 3 40 0 0
        intr 12345 0 0
        ctxt 999
        """;

    [Fact]
    public void Proc_stat_gives_busy_ticks_of_all_cpus_and_steal_per_cpu()
    {
        var (busy, steal) = WindowLoad.ParseProcStat(ProcStat);
        // user + nice + system + irq + softirq; idle, iowait and steal are not busy.
        Assert.Equal(1000 + 20 + 300 + 5 + 6, busy);
        Assert.Equal([30L, 40L], steal);
    }

    [Fact]
    public void Process_ticks_are_utime_plus_stime_even_with_spaces_in_the_name()
    {
        const string stat = "4242 (dotnet worker) S 1 4242 4242 0 -1 4194560 100 0 0 0 123 45 0 0 20 0 7 0 100 0 0";
        Assert.Equal(168, WindowLoad.ProcessTicks(stat));
    }

    [Fact]
    public void Foreign_load_is_busy_time_minus_the_windows_own_processes_in_percent_of_a_cpu()
    {
        var start = new CpuSnapshot(1000, [30, 40], 600, 0);
        // 4 s: 800 busy ticks on the machine, 760 of them the generator's and the switch's (two busy pollers), 5 ticks
        // steal on cpu1.
        var end = new CpuSnapshot(1800, [30, 45], 1360, 0);
        WindowLoadFigures f = WindowLoad.Between(start, end, 4);
        Assert.Equal(10, f.ForeignPercent, 10);
        Assert.Equal([0.0, 1.25], f.StealPercent);
        // Tick rounding can make the own processes look busier than the machine: never negative.
        Assert.Equal(0, WindowLoad.Between(start, end with { OwnTicks = 1500 }, 4).ForeignPercent);
    }

    [Fact]
    public void A_window_is_flagged_for_foreign_load_or_steal_on_the_two_measured_cpus_only()
    {
        Assert.Null(BenchRunner.FlagFor(new WindowLoadFigures(10, [5, 5, 90]), 10, 5));
        Assert.Contains("foreign load 10.5 %", BenchRunner.FlagFor(new WindowLoadFigures(10.5, [0, 0]), 10, 5));
        string flag = BenchRunner.FlagFor(new WindowLoadFigures(0, [0, 6]), 10, 5)!;
        Assert.Contains("steal on cpu1 6.0 %", flag);
        Assert.DoesNotContain("cpu0", flag);
    }
}
