using VSwitch.TestKit;

namespace VSwitch.SystemBench;

/// <summary>
/// testpmd as the switch: two <c>net_vhost</c> ports (vhost-user servers) cross-connected in io mode, forwarding
/// lcore on CPU 1. No lookup at all: the limit of this harness.
/// </summary>
internal sealed class TestPmdDut : IDeviceUnderTest
{
    private readonly string _dir;
    private readonly TestPmd _pmd;

    public TestPmdDut(CommandLog log)
    {
        _dir = Directory.CreateTempSubdirectory("vsbench-tp").FullName;
        Socket0 = Path.Combine(_dir, "dut0.sock");
        Socket1 = Path.Combine(_dir, "dut1.sock");
        _pmd = TestPmd.Start(
            [$"net_vhost0,iface={Socket0},queues=1", $"net_vhost1,iface={Socket1},queues=1"],
            ["--forward-mode=io", "--rxd=256", "--txd=256", "--burst=32", "--total-num-mbufs=16384"],
            forwardCpu: 1, memoryMb: 256);
        log.Add(_pmd.CommandLine);
        try
        {
            _pmd.WaitForPrompt(TimeSpan.FromSeconds(60));
            _pmd.Send("start");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Socket0 { get; }

    public string Socket1 { get; }

    public bool GeneratorListens => false;

    public IEnumerable<int> Pids => [_pmd.Pid];

    public void WaitReady(TimeSpan timeout)
    {
    }

    public void OpenWindow()
    {
    }

    public (long Bytes, int Gen0, int Gen1, int Gen2, long Sleeps)? AllocationSinceOpen() => null;

    public long? RuleHits() => null;

    public void Dispose()
    {
        _pmd.Dispose();
        Cleanup.RemoveDirectory(_dir);
    }
}
