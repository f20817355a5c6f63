using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Daemon.Ports;
using Xunit;

namespace VSwitch.Control.Tests.Ports;

/// <summary>The tap option rules: defaults stored so a restart re-creates the same interface, and clear errors.</summary>
public sealed class TapPortTypeTests
{
    private static readonly PortTypeContext Context = new("/run/vswitch");

    private static IReadOnlyDictionary<string, string> Normalize(string name, params (string Key, string Value)[] options) =>
        new TapPortType(NullLoggerFactory.Instance).NormalizeOptions(name, options.ToDictionary(o => o.Key, o => o.Value), Context);

    [Fact]
    public void Defaults_are_the_port_name_one_queue_and_offloads_on()
    {
        IReadOnlyDictionary<string, string> o = Normalize("tap0");
        Assert.Equal("tap0", o[TapPortType.IfName]);
        Assert.Equal("1", o[TapPortType.Queues]);
        Assert.Equal("on", o[TapPortType.Offloads]);
        Assert.Null(new TapPortType(NullLoggerFactory.Instance).SocketPath(new PortConfig("tap0", "tap", 1, null, null, null, System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty)));
    }

    [Fact]
    public void Given_options_are_kept_and_queues_normalised()
    {
        IReadOnlyDictionary<string, string> o = Normalize("p1", ("ifname", "vm-tap.1"), ("queues", "04"));
        Assert.Equal("vm-tap.1", o[TapPortType.IfName]);
        Assert.Equal("4", o[TapPortType.Queues]);
    }

    [Theory]
    [InlineData("off", "off")]
    [InlineData("false", "off")]
    [InlineData("on", "on")]
    [InlineData("yes", "on")]
    public void Offloads_are_stored_as_on_or_off(string given, string stored) =>
        Assert.Equal(stored, Normalize("p1", ("offloads", given))[TapPortType.Offloads]);

    [Fact]
    public void Offload_names_are_the_tun_flags_or_off()
    {
        Assert.Equal("csum tso4 tso6 tso_ecn", TapPortType.OffloadNames(VSwitch.Ports.Tap.TapPort.EnabledOffloads));
        Assert.Equal("off", TapPortType.OffloadNames(VSwitch.Core.Ports.PortOffloads.None));
    }

    [Theory]
    [InlineData("offloads", "maybe", "offloads 'maybe' is not on or off")]
    [InlineData("queues", "0", "queues '0' is not a number in 1..16")]
    [InlineData("queues", "17", "queues '17' is not a number in 1..16")]
    [InlineData("queues", "-1", "queues '-1' is not a number in 1..16")]
    [InlineData("queues", "two", "queues 'two' is not a number in 1..16")]
    [InlineData("ifname", "a23456789012345x", "ifname: interface name 'a23456789012345x' is longer than 15 bytes")]
    [InlineData("ifname", "a/b", "ifname: interface name 'a/b' contains")]
    [InlineData("ifname", "a:b", "ifname: interface name 'a:b' contains")]
    [InlineData("ifname", "", "ifname: interface name is empty")]
    [InlineData("socket", "/tmp/x", "port type tap has no option 'socket'")]
    public void Bad_options_are_rejected_with_the_reason(string key, string value, string message)
    {
        ControlException e = Assert.Throws<ControlException>(() => Normalize("p1", (key, value)));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_name_too_long_for_an_interface_asks_for_ifname()
    {
        ControlException e = Assert.Throws<ControlException>(() => Normalize("a-very-long-port-name"));
        Assert.Contains("--ifname", e.Message, StringComparison.Ordinal);
    }
}
