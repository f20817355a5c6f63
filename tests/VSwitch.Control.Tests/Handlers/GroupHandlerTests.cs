using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Handlers;

public sealed class GroupHandlerTests : IDisposable
{
    private readonly ControlFixture _f = new();
    private readonly FlowHandlers _flows;
    private readonly GroupHandlers _groups;

    public GroupHandlerTests()
    {
        var ports = new PortHandlers(_f.Control);
        ports.AddPort(new AddPortParams("vm1", "vhostuser", null));
        ports.AddPort(new AddPortParams("vm2", "vhostuser", new PortSettings(7, null, null, null, null)));
        _flows = new FlowHandlers(_f.Control);
        _groups = new GroupHandlers(_f.Control);
    }

    public void Dispose() => _f.Dispose();

    [Fact]
    public void A_group_is_stored_by_port_number_published_and_dumped_by_name()
    {
        int published = _f.Runtime.PublishCount;
        GroupChangeResult r = _groups.AddGroup(new GroupParams("group_id=5,type=all,bucket=output:vm1,bucket=output:vm2"));
        Assert.Equal(new GroupChangeResult(1, 1, 0), r);
        Assert.Equal(["group_id=5,type=all,bucket=actions=output:1,bucket=actions=output:7"], _f.StoredConfig().Groups);
        Assert.Equal(published + 1, _f.Runtime.PublishCount);

        _flows.AddFlow(new FlowParams("priority=10,in_port=vm1,actions=group:5", false));
        GroupInfo g = Assert.Single(_groups.DumpGroups(new GroupParams(null)).Groups);
        Assert.Equal((5u, "all", 1), (g.GroupId, g.Type, g.FlowCount));
        Assert.Equal("group_id=5,type=all,bucket=actions=output:vm1,bucket=actions=output:vm2", g.Text);
    }

    [Theory]
    [InlineData("", "needs a group")]
    [InlineData("group_id=5,type=select,bucket=output:1", "all and indirect")]
    [InlineData("group_id=5,type=all,bucket=output:vm9", "vm9")]
    [InlineData("type=all,bucket=output:1", "group_id=")]
    [InlineData("group_id=5,type=indirect,bucket=output:1,bucket=output:7", "exactly one bucket")]
    [InlineData("group_id=5,type=all,bucket=group:1", "group")]
    public void Bad_group_text_is_refused_with_the_reason_and_nothing_is_added(string text, string reason)
    {
        var e = Assert.Throws<ControlException>(() => _groups.AddGroup(new GroupParams(text)));
        Assert.Equal(RpcErrorCodes.BadFlow, e.Code);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Empty(_f.Control.Flows.Groups);
        Assert.Empty(_f.StoredConfig().Groups);
    }

    [Fact]
    public void An_id_in_use_is_refused_as_ovs_ofctl_refuses_it()
    {
        _groups.AddGroup(new GroupParams("group_id=5,type=all,bucket=output:1"));
        var e = Assert.Throws<ControlException>(() => _groups.AddGroup(new GroupParams("group_id=5,type=indirect,bucket=output:7")));
        Assert.Equal(RpcErrorCodes.AlreadyExists, e.Code);
        Assert.Equal("group_id=5,type=all,bucket=actions=output:1", Assert.Single(_f.StoredConfig().Groups));
    }

    [Fact]
    public void Deleting_a_group_deletes_the_flows_that_apply_it_and_a_selection_picks_one()
    {
        _groups.AddGroup(new GroupParams("group_id=5,type=all,bucket=output:1"));
        _groups.AddGroup(new GroupParams("group_id=6,type=indirect,bucket=output:7"));
        _flows.AddFlow(new FlowParams("priority=10,in_port=vm1,actions=group:5", false));
        Assert.Equal(6u, Assert.Single(_groups.DumpGroups(new GroupParams("group_id=6")).Groups).GroupId);
        Assert.Throws<ControlException>(() => _groups.DumpGroups(new GroupParams("group=6")));

        Assert.Equal(new GroupChangeResult(1, 1, 1), _groups.DelGroups(new GroupParams("group_id=5")));
        Assert.DoesNotContain(_f.StoredConfig().Flows, f => f.Contains("group:5", StringComparison.Ordinal));
        Assert.Equal(new GroupChangeResult(0, 1, 0), _groups.DelGroups(new GroupParams("group_id=99")));
        Assert.Equal(new GroupChangeResult(1, 0, 0), _groups.DelGroups(new GroupParams(null)));
        Assert.Empty(_f.StoredConfig().Groups);
    }
}
