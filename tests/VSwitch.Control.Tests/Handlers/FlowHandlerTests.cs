using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Handlers;

public sealed class FlowHandlerTests : IDisposable
{
    private readonly ControlFixture _f = new();
    private readonly FlowHandlers _flows;

    public FlowHandlerTests()
    {
        var ports = new PortHandlers(_f.Control);
        ports.AddPort(new AddPortParams("vm1", "vhostuser", null));
        ports.AddPort(new AddPortParams("vm2", "vhostuser", new PortSettings(7, null, null, null, null)));
        _flows = new FlowHandlers(_f.Control);
    }

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Ports_in_flows_are_stored_by_number_and_shown_by_name()
    {
        int published = _f.Runtime.PublishCount;
        _flows.AddFlow(new FlowParams("priority=10,in_port=vm1,actions=output:vm2", false));
        Assert.Contains("priority=10,in_port=1,actions=output:7", _f.StoredConfig().Flows);
        Assert.Equal(published + 1, _f.Runtime.PublishCount);
        Assert.Same(_f.Control.Flows, _f.Runtime.PublishedFlows);

        DumpFlowsResult dump = _flows.DumpFlows(new FlowParams(null, false));
        Assert.Equal(2, dump.Flows.Length);
        Assert.Equal("in_port=vm1", dump.Flows[0].Match);
        Assert.Equal("output:vm2", dump.Flows[0].Actions);
        Assert.StartsWith("cookie=0x0, duration=", dump.Flows[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("priority=10,in_port=vm1,actions=output:vm2", dump.Flows[0].Text, StringComparison.Ordinal);
        Assert.Equal(0, dump.Flows[1].Priority);
    }

    [Fact]
    public void Dump_flows_reports_counters_and_ages_from_the_clock()
    {
        _flows.AddFlow(new FlowParams("priority=5,in_port=7,actions=drop", false));
        _f.Clock.Advance(TimeSpan.FromSeconds(3));
        _f.Control.Flows.Rules.Single(r => r.Priority == 5).RecordHit(4, 256, _f.Clock.NowMilliseconds);
        _f.Clock.Advance(TimeSpan.FromSeconds(2));
        FlowInfo flow = _flows.DumpFlows(new FlowParams("in_port=vm2", false)).Flows.Single();
        Assert.Equal(4, flow.Packets);
        Assert.Equal(256, flow.Bytes);
        Assert.Equal(5.0, flow.DurationSeconds);
        Assert.Equal(2, flow.IdleAgeSeconds);
        Assert.Contains("n_packets=4, n_bytes=256", flow.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("in_port=vm9,actions=drop", "vm9")]
    [InlineData("in_port=1,actions=output:nowhere", "nowhere")]
    [InlineData("in_port=1,colour=red,actions=drop", "colour")]
    [InlineData("in_port=1", "actions")]
    public void A_bad_flow_is_refused_naming_the_offending_token(string flow, string token)
    {
        var e = Assert.Throws<ControlException>(() => _flows.AddFlow(new FlowParams(flow, false)));
        Assert.Equal(RpcErrorCodes.BadFlow, e.Code);
        Assert.Contains(token, e.Message, StringComparison.Ordinal);
        Assert.Single(_f.StoredConfig().Flows);
    }

    [Fact]
    public void Add_flows_adds_all_or_none_and_names_the_bad_line()
    {
        var e = Assert.Throws<ControlException>(() => _flows.AddFlows(new AddFlowsParams(
            ["# comment", "priority=1,in_port=1,actions=drop", "", "priority=2,in_port=bogus,actions=drop"])));
        Assert.StartsWith("line 4: bad flow:", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _f.Control.Flows.Count);

        FlowChangeResult r = _flows.AddFlows(new AddFlowsParams(["# two flows", "priority=1,in_port=1,actions=drop", "priority=2,in_port=vm2,actions=normal"]));
        Assert.Equal(2, r.Count);
        Assert.Equal(3, r.FlowCount);
        Assert.Equal(3, _f.StoredConfig().Flows.Length);
    }

    [Fact]
    public void Mod_flows_replaces_actions_loosely_or_strictly_and_keeps_counters()
    {
        _flows.AddFlow(new FlowParams("priority=10,in_port=1,actions=drop", false));
        _flows.AddFlow(new FlowParams("priority=20,in_port=1,tcp,actions=drop", false));
        _f.Control.Flows.Rules.Single(r => r.Priority == 10).RecordHit(3, 100, _f.Clock.NowMilliseconds);

        Assert.Equal(1, _flows.ModFlows(new FlowParams("priority=10,in_port=1,actions=output:vm2", true)).Count);
        Assert.Equal(3, _f.Control.Flows.Rules.Single(r => r.Priority == 10).PacketCount);
        Assert.Equal(2, _flows.ModFlows(new FlowParams("in_port=vm1,actions=normal", false)).Count);
        Assert.All(_f.StoredConfig().Flows, line => Assert.EndsWith("actions=normal", line, StringComparison.Ordinal));

        var e = Assert.Throws<ControlException>(() => _flows.ModFlows(new FlowParams("in_port=1", false)));
        Assert.Contains("needs actions", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Del_flows_loose_strict_and_all()
    {
        _flows.AddFlow(new FlowParams("priority=10,in_port=1,actions=drop", false));
        _flows.AddFlow(new FlowParams("priority=20,in_port=1,tcp,actions=drop", false));
        Assert.Equal(0, _flows.DelFlows(new FlowParams("priority=11,in_port=1", true)).Count);
        Assert.Equal(1, _flows.DelFlows(new FlowParams("priority=10,in_port=vm1", true)).Count);
        Assert.Equal(1, _flows.DelFlows(new FlowParams("in_port=1", false)).Count);
        Assert.Single(_f.StoredConfig().Flows);
        Assert.Equal(1, _flows.DelFlows(new FlowParams(null, false)).Count);
        Assert.Empty(_f.StoredConfig().Flows);
    }

    [Fact]
    public void Expired_flows_are_removed_and_the_table_is_stored()
    {
        _flows.AddFlow(new FlowParams("priority=10,hard_timeout=5,in_port=1,actions=drop", false));
        _f.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, _f.Control.ExpireFlows());
        _f.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, _f.Control.ExpireFlows());
        Assert.Equal(["priority=0,actions=normal"], _f.StoredConfig().Flows);
    }
}
