namespace VSwitch.SystemBench;

/// <summary>
/// OVS-DPDK as the switch of the packet benchmark: a <see cref="PrivateOvs"/> with two dpdkvhostuserclient ports on its
/// netdev bridge (the generator's virtio-user ports listen), <c>ofport_request</c> 1 and 2, NORMAL or in_port flows,
/// optionally the rule table.
/// </summary>
internal sealed class OvsDut : IDeviceUnderTest
{
    private readonly PrivateOvs _ovs;

    public OvsDut(CommandLog log, string ovsVswitchd, DutConfig config, string? rulesFile)
    {
        _ovs = new PrivateOvs(log, ovsVswitchd, "vsbench-ovs");
        Socket0 = Path.Combine(_ovs.TempDirectory, "gen0.sock");
        Socket1 = Path.Combine(_ovs.TempDirectory, "gen1.sock");
        try
        {
            _ovs.Vsctl("--timeout=60", "add-port", "br0", "vhu0", "--", "set", "Interface", "vhu0", "type=dpdkvhostuserclient",
                "options:vhost-server-path=" + Socket0, "ofport_request=1");
            _ovs.Vsctl("--timeout=60", "add-port", "br0", "vhu1", "--", "set", "Interface", "vhu1", "type=dpdkvhostuserclient",
                "options:vhost-server-path=" + Socket1, "ofport_request=2");
            if (config.Mode == "inport")
            {
                _ovs.Ofctl("del-flows", "br0");
                _ovs.Ofctl("add-flow", "br0", "priority=10,in_port=1,actions=output:2");
                _ovs.Ofctl("add-flow", "br0", "priority=10,in_port=2,actions=output:1");
            }
            if (rulesFile is not null)
            {
                _ovs.Ofctl("add-flows", "br0", rulesFile);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Socket0 { get; }

    public string Socket1 { get; }

    public bool GeneratorListens => true;

    public IEnumerable<int> Pids => _ovs.Pids;

    public void WaitReady(TimeSpan timeout) =>
        _ovs.WaitFor(() => LinkState("vhu0") == "up" && LinkState("vhu1") == "up", "OVS vhost-user links", timeout);

    public void OpenWindow()
    {
    }

    public (long Bytes, int Gen0, int Gen1, int Gen2, long Sleeps)? AllocationSinceOpen() => null;

    public long? RuleHits() => null;

    public void Dispose() => _ovs.Dispose();

    private string LinkState(string port) => _ovs.VsctlQuiet("get", "Interface", port, "link_state").Trim();
}
