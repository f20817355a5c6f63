using Xunit;

namespace VSwitch.SystemBench.Tests;

public sealed class RoundOrderTests
{
    [Fact]
    public void Round_r_starts_at_device_r_minus_1_mod_k_and_keeps_the_cyclic_order()
    {
        string[] devices = ["testpmd", "ovs", "vswitchd"];
        Assert.Equal(["testpmd", "ovs", "vswitchd"], BenchRunner.Rotated(devices, 1));
        Assert.Equal(["ovs", "vswitchd", "testpmd"], BenchRunner.Rotated(devices, 2));
        Assert.Equal(["vswitchd", "testpmd", "ovs"], BenchRunner.Rotated(devices, 3));
        Assert.Equal(["testpmd", "ovs", "vswitchd"], BenchRunner.Rotated(devices, 4));
    }

    [Fact]
    public void Over_k_rounds_every_device_is_measured_first_once()
    {
        string[] devices = ["a", "b", "c", "d"];
        var firsts = Enumerable.Range(1, devices.Length).Select(r => BenchRunner.Rotated(devices, r)[0]).Order();
        Assert.Equal(devices, firsts);
    }

    [Fact]
    public void An_empty_or_single_device_list_is_returned_as_is()
    {
        Assert.Empty(BenchRunner.Rotated(Array.Empty<string>(), 5));
        Assert.Equal(["x"], BenchRunner.Rotated(["x"], 7));
    }
}
