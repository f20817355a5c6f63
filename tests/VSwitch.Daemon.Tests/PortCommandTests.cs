using System.Text.Json;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests;

/// <summary>add-port, set-port, del-port, show, list-ports, port-stats and port-status through the real programs.</summary>
public sealed class PortCommandTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private readonly DaemonProcess _d = fixture.Daemon;

    [Fact]
    public void Add_port_reports_the_defaults_and_show_lists_the_port()
    {
        CtlResult add = _d.Ctl("add-port", "pa1", "vhostuser", "--tag", "10", "--mtu", "9000", "--json");
        Assert.Equal(0, add.ExitCode);
        JsonElement port = add.Json();
        Assert.Equal("pa1", port.GetProperty("name").GetString());
        Assert.Equal(Path.Combine(_d.RunDir, "pa1.sock"), port.GetProperty("socket").GetString());
        Assert.Equal("0660", port.GetProperty("options").GetProperty("socket-mode").GetString());
        int ofport = port.GetProperty("ofport").GetInt32();
        Assert.True(ofport >= 1);

        JsonElement show = _d.Ctl("show", "--json").Json();
        JsonElement listed = show.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "pa1");
        Assert.Equal("vhostuser", listed.GetProperty("type").GetString());
        Assert.Equal(10, listed.GetProperty("tag").GetInt32());
        Assert.Equal(9000, listed.GetProperty("mtu").GetInt32());
        Assert.Equal(ofport, listed.GetProperty("ofport").GetInt32());
        Assert.Equal("br0", show.GetProperty("bridge").GetString());

        CtlResult human = _d.Ctl("show");
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("bridge br0", human.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"pa1\s+vhostuser\s+\w+\s+tag=10\s+9000", human.Stdout);

        Assert.Contains("pa1", _d.Ctl("list-ports").Stdout.Split('\n'));
        Assert.Contains("pa1", _d.Ctl("list-ports", "--json").Json().GetProperty("ports").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Client_mode_port_with_a_relative_socket_path_is_made_absolute_by_the_cli()
    {
        CtlResult add = _d.Ctl("add-port", "pc1", "vhostuserclient", "--socket", "rel-pc1.sock", "--ofport", "77", "--json");
        Assert.Equal(0, add.ExitCode);
        Assert.Equal(Path.GetFullPath("rel-pc1.sock"), add.Json().GetProperty("socket").GetString());
        Assert.Equal(77, add.Json().GetProperty("ofport").GetInt32());
        Assert.Contains("added port pc2: vhostuserclient, ofport", _d.Ctl("add-port", "pc2", "vhostuserclient", "--socket", Path.Combine(_d.Root, "pc2.sock")).Stdout,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Set_port_and_del_port_change_what_show_reports()
    {
        Assert.Equal(0, _d.Ctl("add-port", "ps1", "vhostuser", "--tag", "5").ExitCode);
        CtlResult set = _d.Ctl("set-port", "ps1", "--clear", "tag", "--trunks", "20-22,30", "--socket-mode", "0600");
        Assert.Equal(0, set.ExitCode);
        Assert.Equal("", set.Stdout);
        JsonElement port = Port("ps1");
        Assert.Equal(JsonValueKind.Null, port.GetProperty("tag").ValueKind);
        Assert.Equal("20-22,30", port.GetProperty("trunks").GetString());
        Assert.Equal("0600", port.GetProperty("options").GetProperty("socket-mode").GetString());

        Assert.Equal(0, _d.Ctl("del-port", "ps1").ExitCode);
        Assert.DoesNotContain("ps1", _d.Ctl("list-ports").Stdout.Split('\n'));
    }

    [Fact]
    public void Port_stats_and_port_status_report_every_port_and_one_port()
    {
        Assert.Equal(0, _d.Ctl("add-port", "pt1", "vhostuser").ExitCode);
        JsonElement stats = _d.Ctl("port-stats", "pt1", "--queues", "--json").Json();
        JsonElement p = stats.GetProperty("ports").EnumerateArray().Single();
        Assert.Equal("pt1", p.GetProperty("name").GetString());
        Assert.Equal(0, p.GetProperty("rx").GetProperty("packets").GetInt64());
        Assert.Equal(JsonValueKind.Object, p.GetProperty("tx").GetProperty("drops_by_reason").ValueKind);
        Assert.Equal(JsonValueKind.Array, p.GetProperty("queues").ValueKind);

        CtlResult all = _d.Ctl("port-stats");
        Assert.Equal(0, all.ExitCode);
        Assert.Contains("rx_packets", all.Stdout, StringComparison.Ordinal);
        Assert.Contains("pt1", all.Stdout, StringComparison.Ordinal);

        JsonElement status = _d.Ctl("port-status", "pt1", "--json").Json();
        Assert.Equal("pt1", status.GetProperty("name").GetString());
        Assert.Equal(Path.Combine(_d.RunDir, "pt1.sock"), status.GetProperty("socket").GetString());
        Assert.True(status.TryGetProperty("last_error", out _));
        CtlResult human = _d.Ctl("port-status", "pt1");
        Assert.Contains("port pt1 (vhostuser", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("last error:", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("offloads: offered", human.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, _d.Ctl("add-port", "pt2", "vhostuser", "-o", "offloads=off").ExitCode);
        Assert.Contains("offloads: off", _d.Ctl("port-status", "pt2").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "del-port", "nosuch" }, 1, "vswitchctl: no port named 'nosuch'")]
    [InlineData(new[] { "port-status", "nosuch" }, 1, "vswitchctl: no port named 'nosuch'")]
    [InlineData(new[] { "port-stats", "nosuch" }, 1, "vswitchctl: no port named 'nosuch'")]
    [InlineData(new[] { "set-port", "nosuch", "--tag", "3" }, 1, "vswitchctl: no port named 'nosuch'")]
    [InlineData(new[] { "add-port", "pe1", "nosuchtype" }, 1, "unknown port type 'nosuchtype'")]
    [InlineData(new[] { "add-port", "pe1", "vhostuserclient" }, 1, "needs the socket option")]
    [InlineData(new[] { "add-port", "9bad", "vhostuser" }, 1, "not a valid port name")]
    [InlineData(new[] { "add-port", "pe1", "vhostuser", "--tag", "5000" }, 1, "tag 5000 is outside")]
    [InlineData(new[] { "add-port", "pe1", "vhostuser", "--trunks", "1-x" }, 1, "trunks:")]
    [InlineData(new[] { "add-port", "pe1", "vhostuser", "-o", "colour" }, 2, "not KEY=VALUE")]
    [InlineData(new[] { "add-port", "pe1" }, 2, "Required argument missing")]
    [InlineData(new[] { "add-port", "pe1", "vhostuser", "--ofport", "x" }, 2, "--ofport")]
    [InlineData(new[] { "add-port", "pe1", "vxlan" }, 1, "a vxlan port needs remote-ip")]
    [InlineData(new[] { "add-port", "pe1", "vxlan", "--remote-ip", "10.0.0.300" }, 1, "remote-ip '10.0.0.300' is not an IPv4 address")]
    [InlineData(new[] { "add-port", "pe1", "vxlan", "--remote-ip", "fd00::1" }, 1, "IPv6 underlays are not supported yet")]
    [InlineData(new[] { "add-port", "pe1", "vxlan", "--remote-ip", "10.0.0.2", "--key", "16777216" }, 1, "key '16777216' is not a number in 0..16777215")]
    [InlineData(new[] { "add-port", "pe1", "vxlan", "--remote-ip", "flow", "--key", "flows" }, 1, "key 'flows' is not a number in 0..16777215")]
    public void Bad_port_commands_fail_with_one_line_on_stderr(string[] args, int exitCode, string message)
    {
        CtlResult r = _d.Ctl(args);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_server_port_listens_with_the_socket_mode_and_del_port_removes_its_socket()
    {
        Assert.Equal(0, _d.Ctl("add-port", "pl1", "vhostuser").ExitCode);
        Assert.Equal(0, _d.Ctl("add-port", "pl2", "vhostuser", "--socket-mode", "0600").ExitCode);
        string s1 = Path.Combine(_d.RunDir, "pl1.sock"), s2 = Path.Combine(_d.RunDir, "pl2.sock");
        Eventually.True(() => File.Exists(s1) && File.Exists(s2), "both port sockets", detail: () => _d.Log);
        Assert.Equal((UnixFileMode)0x1b0, File.GetUnixFileMode(s1) & (UnixFileMode)0x1ff);
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(s2) & (UnixFileMode)0x1ff);
        Assert.Equal((UnixFileMode)0x1b0, File.GetUnixFileMode(_d.SocketPath) & (UnixFileMode)0x1ff);
        Assert.Equal("waiting", Port("pl1").GetProperty("state").GetString());
        Assert.StartsWith("listening", _d.Ctl("port-status", "pl1", "--json").Json().GetProperty("connection").GetString(), StringComparison.Ordinal);

        Assert.Equal(0, _d.Ctl("del-port", "pl1").ExitCode);
        Eventually.True(() => !File.Exists(s1), "the deleted port's socket to go", detail: () => _d.Log);
    }

    [Fact]
    public void A_name_in_use_is_refused()
    {
        Assert.Equal(0, _d.Ctl("add-port", "pu1", "vhostuser").ExitCode);
        CtlResult r = _d.Ctl("add-port", "pu1", "vhostuser");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("vswitchctl: port name 'pu1' is already in use", r.Stderr.Trim());
    }

    private JsonElement Port(string name) =>
        _d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
}
