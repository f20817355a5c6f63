using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Syntax;

/// <summary>The ovs-ofctl text of OpenFlow 1.3 instructions, set_field, groups and controller: parse, format back, refuse.</summary>
public sealed class FlowInstructionSyntaxTests
{
    private static readonly ManualClock s_clock = new();

    [Theory]
    [InlineData("table=3,priority=5,in_port=1,actions=goto_table:7")]
    [InlineData("priority=5,actions=output:2,clear_actions,write_actions(output:3),write_metadata:0x5/0xff,goto_table:1")]
    [InlineData("priority=5,actions=set_field:10.0.0.9->ip_dst,set_field:80->tcp_dst,output:2")]
    [InlineData("priority=5,actions=group:4")]
    [InlineData("priority=5,actions=controller:128")]
    [InlineData("priority=5,actions=dec_ttl,output:2")]
    public void Instructions_round_trip_through_the_formatter(string text)
    {
        FlowRule rule = FlowParser.ParseFlow(text, s_clock);
        string formatted = FlowFormatter.Format(rule);
        Assert.Equal(formatted, FlowFormatter.Format(FlowParser.ParseFlow(formatted, s_clock)));
        Assert.Equal(rule.Actions.GotoTable, FlowParser.ParseFlow(formatted, s_clock).Actions.GotoTable);
    }

    [Fact]
    public void Goto_table_and_the_action_set_are_where_the_pipeline_needs_them()
    {
        FlowRule rule = FlowParser.ParseFlow("table=1,actions=output:2,write_actions(set_field:5->vlan_vid,output:3),goto_table:4", s_clock);
        Assert.Equal(1, rule.TableId);
        Assert.Equal(4, rule.Actions.GotoTable);
        Assert.Equal(FlowActionKind.Output, Assert.Single(rule.Actions.Actions.ToArray()).Kind);
        Assert.NotNull(rule.Actions.WriteActions);
        Assert.Equal(2, rule.Actions.WriteActions!.Actions.Length);
    }

    [Theory]
    [InlineData("table=2,actions=goto_table:2", "goto_table must name a table after 2")]
    [InlineData("actions=goto_table:1,output:2", "actions must come before")]
    [InlineData("actions=write_actions(output:2,output:3)", "")]
    [InlineData("actions=set_field:1->in_port", "set_field cannot write this field")]
    [InlineData("actions=goto_table:255", "")]
    public void Instructions_out_of_place_or_out_of_range_are_refused(string text, string problem)
    {
        FlowParseException e = Assert.Throws<FlowParseException>(() => FlowParser.ParseFlow(text, s_clock));
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_round_trip_and_an_indirect_group_has_one_bucket()
    {
        const string Text = "group_id=9,type=all,bucket=actions=mod_vlan_vid:3,output:1,bucket=actions=output:2";
        Assert.Equal(Text, FlowFormatter.FormatGroup(GroupParser.ParseGroup(Text, s_clock)));
        FlowParseException e = Assert.Throws<FlowParseException>(() =>
            GroupParser.ParseGroup("group_id=1,type=indirect,bucket=output:1,bucket=output:2", s_clock));
        Assert.Contains("exactly one bucket", e.Problem, StringComparison.Ordinal);
        e = Assert.Throws<FlowParseException>(() => GroupParser.ParseGroup("group_id=1,type=all,bucket=group:2", s_clock));
        Assert.Contains("group", e.Problem, StringComparison.Ordinal);
    }
}
