using VSwitch.Datapath.Ports;
using Xunit;

namespace VSwitch.Datapath.Tests.Ports;

public sealed class PortVlanConfigTests
{
    [Fact]
    public void Access_admits_untagged_and_priority_tagged_into_its_VLAN_and_refuses_tagged()
    {
        var access = PortVlanConfig.Access(10);
        Assert.True(access.TryIngress(-1, out ushort vlan));
        Assert.Equal(10, vlan);
        Assert.True(access.TryIngress(0x6000, out vlan));
        Assert.Equal(10, vlan);
        Assert.False(access.TryIngress(10, out _));
        Assert.False(access.TryIngress(20, out _));
        Assert.Equal(VlanEgress.Untagged, access.Egress(10));
        Assert.Equal(VlanEgress.Deny, access.Egress(20));
    }

    [Fact]
    public void Trunk_all_carries_every_VLAN_and_untagged_is_VLAN_zero()
    {
        var trunk = PortVlanConfig.TrunkAll;
        Assert.True(trunk.TryIngress(-1, out ushort vlan));
        Assert.Equal(0, vlan);
        Assert.True(trunk.TryIngress(4094, out vlan));
        Assert.Equal(4094, vlan);
        Assert.Equal(VlanEgress.Untagged, trunk.Egress(0));
        Assert.Equal(VlanEgress.Tagged, trunk.Egress(7));
    }

    [Fact]
    public void Trunk_list_drops_other_VLANs_and_untagged_unless_zero_is_listed()
    {
        var trunk = PortVlanConfig.Trunk([10, 20]);
        Assert.True(trunk.TryIngress(20, out _));
        Assert.False(trunk.TryIngress(30, out _));
        Assert.False(trunk.TryIngress(-1, out _));
        Assert.Equal(VlanEgress.Deny, trunk.Egress(30));
        Assert.Equal(VlanEgress.Deny, trunk.Egress(0));
        Assert.Equal([10, 20], trunk.Trunks);
    }

    [Theory]
    [InlineData(true, VlanEgress.Untagged)]
    [InlineData(false, VlanEgress.Tagged)]
    public void Native_untagged_joins_the_native_VLAN_and_egress_depends_on_mode(bool untagged, VlanEgress nativeEgress)
    {
        var port = PortVlanConfig.Native(5, [10], untagged);
        Assert.True(port.TryIngress(-1, out ushort vlan));
        Assert.Equal(5, vlan);
        Assert.True(port.TryIngress(10, out vlan));
        Assert.Equal(10, vlan);
        Assert.False(port.TryIngress(11, out _));
        Assert.Equal(nativeEgress, port.Egress(5));
        Assert.Equal(VlanEgress.Tagged, port.Egress(10));
        Assert.Equal(VlanEgress.Deny, port.Egress(11));
    }

    [Fact]
    public void Invalid_tags_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PortVlanConfig.Access(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PortVlanConfig.Access(4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => PortVlanConfig.Trunk([4096]));
    }
}
