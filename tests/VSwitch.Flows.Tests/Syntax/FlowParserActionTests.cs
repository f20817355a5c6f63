using VSwitch.Flows.Actions;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Syntax;
using Xunit;

namespace VSwitch.Flows.Tests.Syntax;

public sealed class FlowParserActionTests
{
    private static FlowAction One(string text)
    {
        ActionList list = FlowParser.ParseActions(text, TestPorts.Instance);
        Assert.Equal(1, list.Count);
        return list.Actions[0];
    }

    [Theory]
    [InlineData("output:2", FlowActionKind.Output, 2)]
    [InlineData("output:vm2", FlowActionKind.Output, 2)]
    [InlineData("OUTPUT:uplink", FlowActionKind.Output, 10)]
    [InlineData("3", FlowActionKind.Output, 3)]
    [InlineData("vm1", FlowActionKind.Output, 1)]
    [InlineData("output:LOCAL", FlowActionKind.Output, 0xfffe)]
    [InlineData("local", FlowActionKind.Output, 0xfffe)]
    [InlineData("normal", FlowActionKind.Normal, 0)]
    [InlineData("NORMAL", FlowActionKind.Normal, 0)]
    [InlineData("output:normal", FlowActionKind.Normal, 0)]
    [InlineData("output:0xfffa", FlowActionKind.Normal, 0)]
    [InlineData("flood", FlowActionKind.Flood, 0)]
    [InlineData("output:flood", FlowActionKind.Flood, 0)]
    [InlineData("output:65531", FlowActionKind.Flood, 0)]
    [InlineData("all", FlowActionKind.All, 0)]
    [InlineData("output:0xfffc", FlowActionKind.All, 0)]
    [InlineData("in_port", FlowActionKind.InPort, 0)]
    [InlineData("output:in_port", FlowActionKind.InPort, 0)]
    [InlineData("output:0xfff8", FlowActionKind.InPort, 0)]
    [InlineData("mod_vlan_vid:4095", FlowActionKind.SetVlanVid, 4095)]
    [InlineData("mod_vlan_pcp:7", FlowActionKind.SetVlanPcp, 7)]
    [InlineData("strip_vlan", FlowActionKind.StripVlan, 0)]
    [InlineData("pop_vlan", FlowActionKind.StripVlan, 0)]
    [InlineData("push_vlan:0x8100", FlowActionKind.PushVlan, 0x8100)]
    [InlineData("push_vlan:0x88a8", FlowActionKind.PushVlan, 0x88a8)]
    [InlineData("mod_dl_src:52:54:00:00:00:0a", FlowActionKind.SetDlSrc, 0x52540000000a)]
    [InlineData("mod_dl_dst:ff:ff:ff:ff:ff:ff", FlowActionKind.SetDlDst, 0xffffffffffff)]
    public void Single_action(string text, FlowActionKind kind, long argument)
    {
        Assert.Equal(new FlowAction(kind, (ulong)argument), One(text));
    }

    [Theory]
    [InlineData("set_tunnel:5", 5UL)]
    [InlineData("set_tunnel:0x5", 5UL)]
    [InlineData("set_tunnel:0xffffffff", 0xffffffffUL)]
    [InlineData("set_tunnel:0x100000000", 0x100000000UL)]
    [InlineData("set_tunnel64:5", 5UL)]
    [InlineData("set_tunnel64:18446744073709551615", ulong.MaxValue)]
    public void Set_tunnel_and_set_tunnel64_are_set_field_to_tun_id(string text, ulong vni)
    {
        Assert.Equal(FlowAction.SetFieldTo(FlowField.TunnelId, vni), One(text));
        Assert.Equal(One($"set_field:{vni}->tun_id"), One(text));
    }

    [Fact]
    public void Set_tunnel_and_set_field_of_tun_id_are_one_action_type_in_write_actions()
    {
        // OpenFlow 1.3.5 §5.10: one set-field per field in an action set, whichever spelling wrote it.
        Assert.Throws<FlowParseException>(() => FlowParser.ParseActions("write_actions(set_tunnel:5,set_field:6->tun_id)"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("drop")]
    [InlineData(" DROP ")]
    public void Drop_is_the_empty_list(string text)
    {
        ActionList list = FlowParser.ParseActions(text);
        Assert.Equal(0, list.Count);
        Assert.True(list.IsDrop);
    }

    [Fact]
    public void A_sequence_keeps_its_order()
    {
        ActionList list = FlowParser.ParseActions("strip_vlan, mod_dl_dst:02:00:00:00:00:09,output:1,output:vm2,normal", TestPorts.Instance);
        FlowAction[] expected =
        [
            new(FlowActionKind.StripVlan, 0), new(FlowActionKind.SetDlDst, 0x020000000009), new(FlowActionKind.Output, 1),
            new(FlowActionKind.Output, 2), new(FlowActionKind.Normal, 0),
        ];
        Assert.Equal(expected, list.Actions.ToArray());
        Assert.False(list.IsDrop);
    }

    [Fact]
    public void Rewrites_without_output_are_a_drop()
    {
        Assert.True(FlowParser.ParseActions("mod_vlan_vid:3").IsDrop);
        Assert.False(FlowParser.ParseActions("mod_vlan_vid:3,in_port").IsDrop);
    }

    [Fact]
    public void Actions_in_a_flow_take_the_rest_of_the_text()
    {
        var rule = FlowParser.ParseFlow("priority=3,in_port=1,actions=mod_vlan_vid:5,output:2 ,output:3", new VSwitch.TestKit.ManualClock());
        Assert.Equal(3, rule.Actions.Count);
    }

    [Fact]
    public void ActionList_equality_and_well_known_lists()
    {
        Assert.Equal(FlowParser.ParseActions("normal"), ActionList.Normal);
        Assert.True(ActionList.Normal.IsNormal);
        Assert.Equal(FlowParser.ParseActions("drop"), ActionList.DropAll);
        Assert.NotEqual(FlowParser.ParseActions("output:1,output:2"), FlowParser.ParseActions("output:2,output:1"));
        FlowAction[] source = [new(FlowActionKind.Output, 1)];
        var list = new ActionList(source);
        source[0] = new(FlowActionKind.Flood, 0);
        Assert.Equal(FlowActionKind.Output, list.Actions[0].Kind);
    }
}
