using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Daemon.Ports;
using VSwitch.Flows.Syntax;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Control.Tests.Model;

public sealed class ModelTests
{
    [Theory]
    [InlineData("10", "10")]
    [InlineData("30,10-12, 11,13", "10-13,30")]
    [InlineData("0-4095", "0-4095")]
    [InlineData("7,5,6", "5-7")]
    public void Vlan_lists_normalise(string text, string normal)
    {
        Assert.True(VlanList.TryNormalize(text, out string result, out _));
        Assert.Equal(normal, result);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4096")]
    [InlineData("5-2")]
    [InlineData("a")]
    [InlineData("1,,2")]
    [InlineData("-3")]
    public void Bad_vlan_lists_are_refused(string text) => Assert.False(VlanList.TryNormalize(text, out _, out _));

    [Fact]
    public void Cpu_lists_parse_like_taskset()
    {
        Assert.True(CpuList.TryParse("3,0-1,1", out int[]? cpus, out _));
        Assert.Equal([0, 1, 3], cpus);
        Assert.False(CpuList.TryParse("1-", out _, out string? error));
        Assert.Contains("'1-'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vm1", true)]
    [InlineData("a.b-c_d", true)]
    [InlineData("1vm", false)]
    [InlineData("", false)]
    [InlineData("vm 1", false)]
    [InlineData("vm/1", false)]
    [InlineData("LOCAL", false)]
    [InlineData("in_port", false)]
    public void Port_names_must_read_unambiguously_in_flows_and_as_file_names(string name, bool valid) =>
        Assert.Equal(valid, PortName.IsValid(name));

    [Fact]
    public void Every_valid_port_name_resolves_in_flow_text()
    {
        var config = SwitchConfig.Default
            .WithPort(new PortConfig("vm-a.1", "vhostuser", 4, null, null, null, System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty))
            .WithPort(new PortConfig("b_2", "vhostuser", 12, null, null, null, System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty));
        var names = new ConfigPortNameResolver(config);
        var clock = new ManualClock();
        var rule = FlowParser.ParseFlow("in_port=vm-a.1,actions=output:b_2,output:3", clock, names);
        Assert.Equal("priority=32768,in_port=4,actions=output:12,output:3", FlowFormatter.Format(rule));
        Assert.Equal("priority=32768,in_port=vm-a.1,actions=output:b_2,output:3", FlowFormatter.Format(rule, names));
        Assert.True(names.TryGetName(12, out string n));
        Assert.Equal("b_2", n);
        Assert.False(names.TryResolve("vm9", out _));
    }

    [Theory]
    [InlineData("0660", "0660")]
    [InlineData("600", "0600")]
    [InlineData("0777", "0777")]
    public void Socket_modes_parse_as_octal(string text, string formatted)
    {
        Assert.True(SocketPermissions.TryParseMode(text, out UnixFileMode mode));
        Assert.Equal(formatted, SocketPermissions.FormatMode(mode));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0800")]
    [InlineData("rw")]
    [InlineData("17777")]
    public void Bad_socket_modes_are_refused(string text) => Assert.False(SocketPermissions.TryParseMode(text, out _));

    [Fact]
    public void Socket_paths_must_fit_sockaddr_un()
    {
        Assert.Null(VhostUserPortType.CheckSocketPath("/run/vswitch/vm1.sock"));
        Assert.Contains("longer than 107", VhostUserPortType.CheckSocketPath("/" + new string('a', 107)), StringComparison.Ordinal);
        Assert.Null(VhostUserPortType.CheckSocketPath("/" + new string('a', 106)));
        Assert.Contains("not absolute", VhostUserPortType.CheckSocketPath("vm1.sock"), StringComparison.Ordinal);
    }
}
