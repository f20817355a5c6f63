using System.Collections.Immutable;
using VSwitch.Control.Model;
using VSwitch.Control.Store;
using VSwitch.Control.Tests.Fakes;
using Xunit;

namespace VSwitch.Control.Tests.Handlers;

public sealed class RestoreTests
{
    [Fact]
    public void Restore_brings_the_runtime_to_the_stored_ports_flows_and_settings()
    {
        var config = SwitchConfig.Default with
        {
            Ports = [new PortConfig("vm1", "vhostuser", 3, null, null, null,
                ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new KeyValuePair<string, string>("socket", "/tmp/x.sock")]))],
            Flows = ["priority=0,actions=normal", "priority=9,in_port=3,actions=drop"],
            Settings = new SwitchSettings(MacAgingTime: 42),
        };
        using var f = new ControlFixture(config);
        Assert.Equal(42, f.Runtime.MacAging);
        Assert.True(f.Runtime.Ports.ContainsKey("vm1"));
        Assert.Equal(2, f.Control.Flows.Count);
        Assert.Same(f.Control.Flows, f.Runtime.PublishedFlows);
    }

    [Fact]
    public void A_port_that_cannot_be_restored_stays_configured()
    {
        var config = SwitchConfig.Default with
        {
            Ports = [new PortConfig("tap0", "tap", 1, null, null, null, ImmutableSortedDictionary<string, string>.Empty)],
        };
        using var f = new ControlFixture(config);
        Assert.NotNull(f.Control.Config.FindPort("tap0"));
    }

    [Fact]
    public void A_stored_flow_that_does_not_parse_is_a_corrupt_db()
    {
        var config = SwitchConfig.Default with { Flows = ["priority=0,actions=normal", "in_port=1,actions=teleport"] };
        var e = Assert.Throws<CorruptConfigException>(() => new ControlFixture(config));
        Assert.Contains("flow 2", e.Message, StringComparison.Ordinal);
    }
}

public sealed class RestoreGroupTests
{
    [Fact]
    public void Stored_groups_and_flows_in_several_tables_come_back_and_are_stored_again_unchanged()
    {
        var config = SwitchConfig.Default with
        {
            Groups = ["group_id=5,type=all,bucket=actions=output:1,bucket=actions=output:2"],
            Flows = ["priority=1,actions=goto_table:2", "table=2,priority=7,actions=group:5"],
        };
        using var f = new ControlFixture(config);
        Assert.NotNull(f.Control.Flows.FindGroup(5));
        Assert.Equal(7, f.Control.Flows.Rules.Single(r => r.TableId == 2).Priority);
        SwitchConfig again = f.Control.WithFlows(f.Control.Config);
        Assert.Equal(config.Groups, again.Groups);
        Assert.Equal(config.Flows, again.Flows);
    }

    [Fact]
    public void A_stored_group_that_does_not_parse_is_a_corrupt_db()
    {
        var config = SwitchConfig.Default with { Groups = ["group_id=1,type=select,bucket=actions=output:1"] };
        var e = Assert.Throws<CorruptConfigException>(() => new ControlFixture(config));
        Assert.Contains("group 1", e.Message, StringComparison.Ordinal);
    }
}
