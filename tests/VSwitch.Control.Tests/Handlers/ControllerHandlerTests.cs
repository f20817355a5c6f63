using VSwitch.Control.Model;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Handlers;

/// <summary>set-controller, del-controller, get-controller, set-fail-mode and their place in show and the DB.</summary>
public sealed class ControllerHandlerTests : IDisposable
{
    private readonly ControlFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Set_controller_applies_and_stores_the_targets_in_order_with_the_default_port()
    {
        var h = new ControllerHandlers(_f.Control);

        ControllerResult r = h.SetController(new SetControllerParams(["tcp:127.0.0.1", "tcp:[::1]:6633"]));

        Assert.Equal(["tcp:127.0.0.1:6653", "tcp:[::1]:6633"], _f.Runtime.ControllerTargets.Select(t => t.ToString()));
        Assert.Equal(["tcp:127.0.0.1:6653", "tcp:[::1]:6633"], r.Controllers.Select(c => c.Target));
        Assert.All(r.Controllers, c => Assert.Equal("backoff", c.State));
        Assert.All(r.Controllers, c => Assert.Equal(3, c.Attempts));
        Assert.Equal("standalone", r.FailMode);
        Assert.True(r.FailOpen);
        Assert.Equal(["tcp:127.0.0.1:6653", "tcp:[::1]:6633"], _f.StoredConfig().Controllers);
    }

    [Theory]
    [InlineData("ssl:1.2.3.4:6653")]
    [InlineData("tcp:1.2.3.4:0")]
    [InlineData("tcp::6653")]
    [InlineData("tcp:[::1")]
    public void Bad_targets_are_refused_and_nothing_changes(string target)
    {
        var h = new ControllerHandlers(_f.Control);
        h.SetController(new SetControllerParams(["tcp:10.0.0.1:6653"]));

        ControlException e = Assert.Throws<ControlException>(() => h.SetController(new SetControllerParams(["tcp:10.0.0.2", target])));

        Assert.Equal(RpcErrorCodes.InvalidParams, e.Code);
        Assert.Equal(["tcp:10.0.0.1:6653"], _f.StoredConfig().Controllers);
        Assert.Equal(["tcp:10.0.0.1:6653"], _f.Runtime.ControllerTargets.Select(t => t.ToString()));
    }

    [Fact]
    public void A_target_given_twice_or_none_at_all_is_refused()
    {
        var h = new ControllerHandlers(_f.Control);
        Assert.Equal(RpcErrorCodes.InvalidParams,
            Assert.Throws<ControlException>(() => h.SetController(new SetControllerParams(["tcp:10.0.0.1", "tcp:10.0.0.1:6653"]))).Code);
        Assert.Equal(RpcErrorCodes.InvalidParams, Assert.Throws<ControlException>(() => h.SetController(new SetControllerParams([]))).Code);
        Assert.Equal(0, _f.Runtime.ControllerChanges);
    }

    [Fact]
    public void Del_controller_and_set_fail_mode_are_applied_stored_and_shown()
    {
        var h = new ControllerHandlers(_f.Control);
        h.SetController(new SetControllerParams(["tcp:10.0.0.1"]));

        ControllerResult secure = h.SetFailMode(new SetFailModeParams("secure"));
        Assert.Equal("secure", secure.FailMode);
        Assert.False(secure.FailOpen);
        Assert.Equal(FailMode.Secure, _f.Runtime.FailMode);

        ControllerResult none = h.DelController();
        Assert.Empty(none.Controllers);
        Assert.Empty(_f.Runtime.ControllerTargets);
        Assert.Equal(FailMode.Secure, _f.Runtime.FailMode);

        SwitchConfig stored = _f.StoredConfig();
        Assert.Empty(stored.Controllers);
        Assert.Equal(FailMode.Secure, stored.FailMode);
        ShowResult show = new PortHandlers(_f.Control).Show();
        Assert.Equal("secure", show.Controller!.FailMode);
        Assert.Equal(RpcErrorCodes.InvalidParams,
            Assert.Throws<ControlException>(() => h.SetFailMode(new SetFailModeParams("open"))).Code);
    }

    [Fact]
    public void Restore_hands_the_stored_controllers_and_fail_mode_to_the_runtime()
    {
        SwitchConfig stored = SwitchConfig.Default with { Controllers = ["tcp:192.0.2.1:6653"], FailMode = FailMode.Secure };
        using var f = new ControlFixture(stored);

        Assert.Equal(["tcp:192.0.2.1:6653"], f.Runtime.ControllerTargets.Select(t => t.ToString()));
        Assert.Equal(FailMode.Secure, f.Runtime.FailMode);
    }

    [Fact]
    public void A_stored_bad_target_makes_the_config_unsound()
    {
        SwitchConfig bad = SwitchConfig.Default with { Controllers = ["udp:1.2.3.4"] };
        Assert.Contains("controller", bad.FindProblem(), StringComparison.Ordinal);
        SwitchConfig twice = SwitchConfig.Default with { Controllers = ["tcp:1.2.3.4", "tcp:1.2.3.4:6653"] };
        Assert.Contains("twice", twice.FindProblem(), StringComparison.Ordinal);
    }
}
