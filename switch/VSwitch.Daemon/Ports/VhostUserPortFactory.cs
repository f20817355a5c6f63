using System.Globalization;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Core.Ports;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using VSwitch.VhostUser;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// Creates the ports of type <c>vhostuser</c> (server mode) or <c>vhostuserclient</c> (client mode) as running
/// <see cref="VhostUserPort"/>s; the option rules come from <see cref="VhostUserPortType"/>. A port logs its own
/// events (connect, features, disconnect, broken ring) with its name. Control thread only.
/// </summary>
internal sealed class VhostUserPortFactory : VhostUserPortType
{
    private readonly ILoggerFactory _loggers;

    public VhostUserPortFactory(bool clientMode, ILoggerFactory loggers)
        : base(clientMode)
    {
        _loggers = loggers;
    }

    public override IPort Create(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        VhostUserOptions o = VhostUserOptions.From(port, ClientMode);
        var options = new VhostUserPortOptions
        {
            Name = port.Name,
            SocketPath = o.SocketPath,
            Mode = ClientMode ? VhostUserMode.Client : VhostUserMode.Server,
            SocketMode = o.Permissions.Mode,
            SocketOwner = Resolve(o.Permissions.Owner, SocketPermissions.ResolveUser, "user"),
            SocketGroup = Resolve(o.Permissions.Group, SocketPermissions.ResolveGroup, "group"),
            Mtu = port.Mtu,
        };
        VhostUserPort created;
        try
        {
            created = VhostUserPort.Create(options, new PortId((ushort)port.OfPort), _loggers.CreateLogger("vhost-user"));
        }
        catch (ArgumentException e)
        {
            throw ControlException.Invalid($"port '{port.Name}': {e.Message}");
        }
        created.Start();
        return created;
    }

    public override PortStatusResult Describe(IPort port, PortConfig config)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(config);
        if (port is not VhostUserPort vhost)
        {
            return new PortStatusResult(config.Name, config.Type, config.OfPort, PortHandlers.StateName(port.State), null,
                SocketPath(config), config.Mtu, 0, null, [], null, [], [], null);
        }
        VhostUserPortStatus s = vhost.GetStatus();
        var rings = new VringInfo[s.Rings.Count];
        for (int i = 0; i < rings.Length; i++)
        {
            VhostUserRingStatus r = s.Rings[i];
            rings[i] = new VringInfo(r.Index, r.Size, r.Enabled, r.Running, r.BrokenReason is not null, r.NextAvail, r.NextUsed, r.BrokenReason);
        }
        return new PortStatusResult(config.Name, config.Type, config.OfPort, PortHandlers.StateName(s.State), Connection(s),
            s.SocketPath, s.Mtu, s.QueuePairs, null, [.. s.AckedFeatures], null, [.. s.AckedProtocolFeatures], rings, s.LastError);
    }

    private static string Connection(VhostUserPortStatus s)
    {
        string connects = s.ConnectCount.ToString(CultureInfo.InvariantCulture);
        return (s.Mode, s.State) switch
        {
            (_, PortState.Down) => "stopped",
            (VhostUserMode.Server, PortState.Waiting) => $"listening (connections so far: {connects})",
            (VhostUserMode.Client, PortState.Waiting) => $"reconnecting (connections so far: {connects})",
            _ => $"connected (connections so far: {connects})",
        };
    }

    private static int Resolve(string? name, Func<string, int?> resolve, string what)
    {
        if (name is null)
        {
            return -1;
        }
        return resolve(name) ?? throw new ControlException(RpcErrorCodes.NotFound, $"no such {what} '{name}'");
    }
}
