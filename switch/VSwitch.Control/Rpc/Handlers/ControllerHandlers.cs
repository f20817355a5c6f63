using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.OpenFlow.Connection;
using ControllerRole = VSwitch.OpenFlow.Messages.ControllerRole;
using VSwitch.OpenFlow.Transport;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>
/// set-controller, del-controller, get-controller and set-fail-mode (OVS's ovs-vsctl commands of the same names, for
/// the one bridge): the targets and the fail mode are applied to the running switch, then stored; when the store
/// fails the running switch goes back to the previous ones. Called by the dispatcher, one request at a time.
/// </summary>
public sealed class ControllerHandlers
{
    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public ControllerHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>set-controller: the whole new list of targets.</summary>
    public ControllerResult SetController(SetControllerParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Targets.Length == 0)
        {
            throw ControlException.Invalid("set-controller needs at least one target (del-controller removes them all)");
        }
        IReadOnlyList<ControllerTarget> targets = ControlPlane.ControllerTargets(p.Targets);
        Change(_control.Config with { Controllers = [.. targets.Select(t => t.ToString())] });
        return GetController();
    }

    /// <summary>del-controller: no controllers.</summary>
    public ControllerResult DelController()
    {
        Change(_control.Config with { Controllers = [] });
        return GetController();
    }

    /// <summary>set-fail-mode standalone|secure.</summary>
    public ControllerResult SetFailMode(SetFailModeParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        Change(_control.Config with { FailMode = ParseFailMode(p.Mode) });
        return GetController();
    }

    /// <summary>get-controller: the fail mode and each target with its connection.</summary>
    public ControllerResult GetController() => Describe(_control.Config, _control.Runtime.Controllers());

    /// <summary>The controllers as get-controller and show report them: every stored target, with its link when running.</summary>
    public static ControllerResult Describe(SwitchConfig config, ControllerReport report)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(report);
        var links = new List<ControllerInfo>(config.Controllers.Length);
        foreach (string target in config.Controllers)
        {
            ControllerLinkStatus? link = report.Links.FirstOrDefault(l => l.Connection.Name == target);
            links.Add(link is null
                ? new ControllerInfo(target, "closed", false, "equal", 0, 0, 0, 0, 0, null)
                : Describe(link));
        }
        return new ControllerResult(FailModeName(config.FailMode), report.FailOpen, [.. links]);
    }

    /// <summary>"standalone" or "secure".</summary>
    public static string FailModeName(FailMode mode) => mode == FailMode.Secure ? "secure" : "standalone";

    /// <summary>Parses "standalone" or "secure".</summary>
    /// <exception cref="ControlException">Neither.</exception>
    public static FailMode ParseFailMode(string text) => text switch
    {
        "standalone" => FailMode.Standalone,
        "secure" => FailMode.Secure,
        _ => throw ControlException.Invalid($"fail mode '{text}' is not standalone or secure"),
    };

    private static ControllerInfo Describe(ControllerLinkStatus link)
    {
        OfpConnectionInfo c = link.Connection;
        return new ControllerInfo(c.Name, c.State.ToString().ToLowerInvariant(), c.State == ConnectionState.Connected, RoleName(c.Role),
            c.ConnectedForSeconds, link.Attempts, c.MessagesReceived, c.PacketInsSent, c.AsyncDropped, c.LastError);
    }

    private static string RoleName(ControllerRole role) => role switch
    {
        ControllerRole.Master => "master",
        ControllerRole.Slave => "slave",
        _ => "equal",
    };

    private void Change(SwitchConfig next)
    {
        SwitchConfig old = _control.Config;
        _control.Runtime.SetControllers(ControlPlane.ControllerTargets(next.Controllers), next.FailMode);
        try
        {
            _control.Commit(next);
        }
        catch (ControlException)
        {
            _control.Runtime.SetControllers(ControlPlane.ControllerTargets(old.Controllers), old.FailMode);
            throw;
        }
        _control.Logger.LogInformation("controllers: {Targets}; fail mode {Mode}",
            next.Controllers.Length == 0 ? "none" : string.Join(' ', next.Controllers), FailModeName(next.FailMode));
    }
}
