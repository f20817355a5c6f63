using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Daemon.Ports;
using Xunit;

namespace VSwitch.Control.Tests.Ports;

/// <summary>The option rules of the pcap port type: iface xor files, positive rates, absolute paths, defaults filled.</summary>
public sealed class PcapPortTypeTests
{
    private static readonly PortTypeContext Context = new("/run/vswitch");
    private readonly PcapPortType _type = new(NullLoggerFactory.Instance);

    [Fact]
    public void A_live_interface_needs_nothing_else()
    {
        var o = _type.NormalizeOptions("p", new Dictionary<string, string> { ["iface"] = "eth1" }, Context);
        Assert.Equal(["iface"], o.Keys);
        Assert.True(PcapOptions.From(Port(o)).IsLive);
    }

    [Fact]
    public void An_rx_file_gets_its_loop_default_and_a_normalised_rate()
    {
        var o = _type.NormalizeOptions("p", new Dictionary<string, string> { ["rx-file"] = "/tmp/a.pcap", ["rx-rate"] = "1e3" }, Context);
        Assert.Equal("false", o["rx-loop"]);
        Assert.Equal("1000", o["rx-rate"]);
        PcapOptions p = PcapOptions.From(Port(o));
        Assert.Equal(1000, p.RxRate);
        Assert.False(p.RxLoop);
        Assert.Null(p.TxFile);
    }

    [Fact]
    public void Files_both_ways_are_allowed()
    {
        var o = _type.NormalizeOptions("p",
            new Dictionary<string, string> { ["rx-file"] = "/tmp/a.pcap", ["tx-file"] = "/tmp/b.pcap", ["rx-loop"] = "true" }, Context);
        PcapOptions p = PcapOptions.From(Port(o));
        Assert.True(p.RxLoop);
        Assert.Equal("/tmp/b.pcap", p.TxFile);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "", "needs iface" },
        { "iface=eth1,rx-file=/tmp/a.pcap", "either iface or" },
        { "iface=eth1,tx-file=/tmp/a.pcap", "either iface or" },
        { "iface=eth1,rx-loop=true", "either iface or" },
        { "iface=a/b", "not a valid interface name" },
        { "iface=averyveryverylongname", "not a valid interface name" },
        { "rx-file=relative.pcap", "not an absolute path" },
        { "tx-file=out.pcap", "not an absolute path" },
        { "rx-file=/tmp/a.pcap,rx-rate=0", "not a positive number" },
        { "rx-file=/tmp/a.pcap,rx-rate=-5", "not a positive number" },
        { "rx-file=/tmp/a.pcap,rx-rate=fast", "not a positive number" },
        { "rx-file=/tmp/a.pcap,rx-rate=Infinity", "not a positive number" },
        { "rx-file=/tmp/a.pcap,rx-loop=maybe", "not true or false" },
        { "tx-file=/tmp/a.pcap,rx-rate=5", "need rx-file" },
        { "rx-file=/tmp/a.pcap,tx-file=/tmp/a.pcap", "different files" },
        { "rx-file=/tmp/a.pcap,socket=/tmp/x", "has no option 'socket'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_options_are_refused_with_the_reason(string options, string reason)
    {
        var dict = new Dictionary<string, string>();
        foreach (string kv in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            dict[kv[..kv.IndexOf('=', StringComparison.Ordinal)]] = kv[(kv.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }
        var e = Assert.Throws<ControlException>(() => _type.NormalizeOptions("p", dict, Context));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    private static PortConfig Port(IReadOnlyDictionary<string, string> options) =>
        new("p", PcapPortType.TypeName, 1, null, null, null, System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, options));
}
