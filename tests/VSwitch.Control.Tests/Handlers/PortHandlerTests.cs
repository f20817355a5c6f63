using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Handlers;

public sealed class PortHandlerTests : IDisposable
{
    private readonly ControlFixture _f = new();
    private readonly PortHandlers _ports;

    public PortHandlerTests()
    {
        _ports = new PortHandlers(_f.Control);
    }

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Add_port_fills_defaults_starts_the_port_and_stores_it_before_returning()
    {
        PortInfo info = _ports.AddPort(new AddPortParams("vm1", "vhostuser", null));
        Assert.Equal(1, info.OfPort);
        Assert.Equal(Path.Combine(_f.RunDir, "vm1.sock"), info.Socket);
        Assert.Equal("0660", info.Options["socket-mode"]);
        Assert.Equal("waiting", info.State);
        Assert.True(_f.Runtime.Ports.ContainsKey("vm1"));
        var stored = _f.StoredConfig().FindPort("vm1");
        Assert.NotNull(stored);
        Assert.Equal(info.Socket, stored.Option("socket"));
    }

    [Fact]
    public void Ofports_are_the_first_free_number_unless_one_is_requested()
    {
        Assert.Equal(1, Add("a").OfPort);
        Assert.Equal(5, Add("b", new PortSettings(5, null, null, null, null)).OfPort);
        Assert.Equal(2, Add("c").OfPort);
        _ports.DelPort(new PortNameParams("a"));
        Assert.Equal(1, Add("d").OfPort);
        Assert.Equal(3, Add("e").OfPort);
        var e = Assert.Throws<ControlException>(() => Add("f", new PortSettings(5, null, null, null, null)));
        Assert.Equal(RpcErrorCodes.AlreadyExists, e.Code);
        Assert.Contains("'b'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ControlException>(() => Add("g", new PortSettings(0xff00, null, null, null, null)));
        Assert.Equal(RpcErrorCodes.InvalidParams, e.Code);
    }

    [Theory]
    [InlineData("vm1", "vhostuser", null, RpcErrorCodes.AlreadyExists, "already in use")]
    [InlineData("1vm", "vhostuser", null, RpcErrorCodes.InvalidParams, "not a valid port name")]
    [InlineData("normal", "vhostuser", null, RpcErrorCodes.InvalidParams, "not a valid port name")]
    [InlineData("a/b", "vhostuser", null, RpcErrorCodes.InvalidParams, "not a valid port name")]
    [InlineData("vm2", "tap", null, RpcErrorCodes.InvalidParams, "unknown port type 'tap' (known: vhostuser, vhostuserclient)")]
    [InlineData("vm2", "vhostuserclient", null, RpcErrorCodes.InvalidParams, "needs the socket option")]
    [InlineData("vm2", "vhostuser", "colour=red", RpcErrorCodes.InvalidParams, "no option 'colour'")]
    [InlineData("vm2", "vhostuser", "socket=relative.sock", RpcErrorCodes.InvalidParams, "not absolute")]
    [InlineData("vm2", "vhostuser", "socket-mode=0999", RpcErrorCodes.InvalidParams, "octal")]
    [InlineData("vm2", "vhostuser", "socket-owner=no-such-user-xyz", RpcErrorCodes.NotFound, "no such user")]
    [InlineData("vm2", "vhostuserclient", "socket-mode=0600", RpcErrorCodes.InvalidParams, "no option 'socket-mode'")]
    [InlineData("vm2", "vhostuser", "offloads=maybe", RpcErrorCodes.InvalidParams, "offloads 'maybe' is neither on nor off")]
    public void Bad_add_port_requests_are_refused_with_one_clear_line_and_change_nothing(string name, string type, string? option,
        int code, string message)
    {
        Add("vm1");
        var options = new Dictionary<string, string>();
        if (option is not null)
        {
            options[option.Split('=')[0]] = option.Split('=')[1];
        }
        var e = Assert.Throws<ControlException>(() => _ports.AddPort(new AddPortParams(name, type, new PortSettings(null, null, null, null, options))));
        Assert.Equal(code, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Single(_f.StoredConfig().Ports);
        Assert.Single(_f.Runtime.Ports);
    }

    [Fact]
    public void Two_ports_cannot_share_a_socket()
    {
        Add("vm1");
        string socket = Path.Combine(_f.RunDir, "vm1.sock");
        var e = Assert.Throws<ControlException>(() =>
            Add("vm2", new PortSettings(null, null, null, null, new() { ["socket"] = socket }), "vhostuserclient"));
        Assert.Equal(RpcErrorCodes.AlreadyExists, e.Code);
        Assert.Contains("already used by port 'vm1'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vlan_and_mtu_settings_are_validated_and_normalised()
    {
        PortInfo p = Add("t", new PortSettings(null, null, "30, 10-12,11", 9000, null));
        Assert.Equal("10-12,30", p.Trunks);
        Assert.Equal(9000, p.Mtu);
        Assert.Throws<ControlException>(() => Add("x", new PortSettings(null, 4096, null, null, null)));
        Assert.Throws<ControlException>(() => Add("w", new PortSettings(null, 0, null, null, null)));
        Assert.Throws<ControlException>(() => Add("y", new PortSettings(null, null, "5-2", null, null)));
        Assert.Throws<ControlException>(() => Add("z", new PortSettings(null, null, null, 67, null)));
    }

    [Fact]
    public void When_the_runtime_cannot_create_the_port_nothing_is_stored()
    {
        _f.Runtime.RefuseNextPort = "socket directory missing";
        var e = Assert.Throws<ControlException>(() => Add("vm1"));
        Assert.Equal("socket directory missing", e.Message);
        Assert.Empty(_f.StoredConfig().Ports);
        Assert.Null(_f.Control.Config.FindPort("vm1"));
    }

    [Fact]
    public void When_the_db_cannot_be_written_the_new_port_is_removed_again()
    {
        Directory.CreateDirectory(_f.DbPath + ".tmp");
        var e = Assert.Throws<ControlException>(() => Add("vm1"));
        Assert.Equal(RpcErrorCodes.InternalError, e.Code);
        Assert.Contains("cannot write the config DB", e.Message, StringComparison.Ordinal);
        Assert.Empty(_f.Runtime.Ports);
        Assert.Null(_f.Control.Config.FindPort("vm1"));
    }

    [Fact]
    public void Del_port_stops_the_port_and_stores_the_change()
    {
        Add("vm1");
        Add("vm2");
        _ports.DelPort(new PortNameParams("vm1"));
        Assert.False(_f.Runtime.Ports.ContainsKey("vm1"));
        Assert.Equal(["vm2"], _f.StoredConfig().Ports.Select(p => p.Name));
        var e = Assert.Throws<ControlException>(() => _ports.DelPort(new PortNameParams("vm1")));
        Assert.Equal(RpcErrorCodes.NotFound, e.Code);
        Assert.Equal("no port named 'vm1'", e.Message);
    }

    [Theory]
    [InlineData("vhostuser", "OFF", "off")]
    [InlineData("vhostuserclient", "true", "on")]
    public void The_offloads_option_is_stored_as_on_or_off(string type, string given, string stored)
    {
        var options = new Dictionary<string, string> { ["offloads"] = given };
        if (type == "vhostuserclient")
        {
            options["socket"] = Path.Combine(_f.RunDir, "c.sock");
        }
        PortInfo info = _ports.AddPort(new AddPortParams("vm1", type, new PortSettings(null, null, null, null, options)));
        Assert.Equal(stored, info.Options["offloads"]);
        Assert.Equal(stored, _f.StoredConfig().FindPort("vm1")!.Option("offloads"));
        Assert.DoesNotContain("offloads", Add("vm2").Options.Keys);
    }

    [Fact]
    public void Set_port_changes_and_clears_settings_and_keeps_the_rest()
    {
        Add("vm1", new PortSettings(null, 10, null, 1500, null));
        var both = Assert.Throws<ControlException>(() => _ports.SetPort(new SetPortParams("vm1", new PortSettings(null, null, "1-3", null, null), null)));
        Assert.Contains("both a tag", both.Message, StringComparison.Ordinal);
        PortInfo p = _ports.SetPort(new SetPortParams("vm1", new PortSettings(null, null, "1-3", null,
            new() { ["socket-mode"] = "600" }), ["tag"]));
        Assert.Null(p.Tag);
        Assert.Equal("1-3", p.Trunks);
        Assert.Equal(1500, p.Mtu);
        Assert.Equal("0600", p.Options["socket-mode"]);
        Assert.Equal("1-3", _f.Runtime.Ports["vm1"].Trunks);
        Assert.Equal("0600", _f.StoredConfig().FindPort("vm1")!.Option("socket-mode"));

        var e = Assert.Throws<ControlException>(() => _ports.SetPort(new SetPortParams("vm1", null, ["colour"])));
        Assert.Contains("no setting 'colour'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ControlException>(() => _ports.SetPort(new SetPortParams("nope", null, null)));
        Assert.Equal(RpcErrorCodes.NotFound, e.Code);
    }

    [Fact]
    public void Show_and_list_ports_report_ports_by_number_and_by_name()
    {
        Add("zeta");
        Add("alpha", new PortSettings(9, null, null, null, null));
        ShowResult show = _ports.Show();
        Assert.Equal(["zeta", "alpha"], show.Ports.Select(p => p.Name));
        Assert.Equal(1, show.FlowCount);
        Assert.Equal("adaptive", show.Settings.PmdMode);
        Assert.Equal(["alpha", "zeta"], _ports.ListPorts().Ports);
    }

    private PortInfo Add(string name, PortSettings? settings = null, string type = "vhostuser") =>
        _ports.AddPort(new AddPortParams(name, type, settings));
}
